/**
 * ACL enforcement on the transports: the token a request carries, the requirement of each endpoint
 * and gRPC method, and the refusals (decision 0167).
 */
package dev.cairn.server.internal.auth;

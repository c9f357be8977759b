/**
 * Abuse limits shared by the transports (issue 13, item 7): token buckets on an injectable ticker
 * and the keyed request-rate limiter built on them.
 */
package dev.cairn.server.internal.limits;

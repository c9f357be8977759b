/** The REST client's per-service routes and HTTP attempts. Not an API. */
package dev.cairn.http.internal;

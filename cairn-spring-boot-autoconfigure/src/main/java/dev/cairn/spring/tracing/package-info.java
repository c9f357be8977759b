/** Tracing glue: the current trace context for Cairn's transports. */
package dev.cairn.spring.tracing;

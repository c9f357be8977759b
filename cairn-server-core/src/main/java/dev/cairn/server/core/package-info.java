/**
 * The registry's core, without network code. Start with {@link dev.cairn.server.core.Registry}; the
 * command-log seam is in {@link dev.cairn.server.core.log}.
 */
package dev.cairn.server.core;

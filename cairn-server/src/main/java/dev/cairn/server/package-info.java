/**
 * The Cairn server, embeddable. Start with {@link dev.cairn.server.CairnServer#builder()}; the
 * registry it serves is {@link dev.cairn.server.core.Registry}.
 */
package dev.cairn.server;

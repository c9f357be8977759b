/**
 * The registry's implementation, behind {@link dev.cairn.server.core.Registry}. Start with {@link
 * dev.cairn.server.core.internal.RegistryImpl} (writes through {@link
 * dev.cairn.server.core.internal.CommandBatcher} into the log, reads from the {@link
 * dev.cairn.server.core.internal.Catalog}), then {@link
 * dev.cairn.server.core.internal.CatalogMachine} (what the log applies), {@link
 * dev.cairn.server.core.internal.SessionLeases} and {@link
 * dev.cairn.server.core.internal.WatchHub}. Not API: anything here may change.
 */
package dev.cairn.server.core.internal;

package dev.cairn.server.core;

/**
 * A service's settings as the registry applies them. Immutable.
 *
 * @param protectionThreshold the share (0..1) of healthy instances below which healthy-only reads
 *     return every instance; 0 never
 * @param isDefault whether the threshold is the registry's default ({@link
 *     RegistryOptions#protectionThreshold()}) because the service sets none
 */
public record ServiceConfig(double protectionThreshold, boolean isDefault) {}

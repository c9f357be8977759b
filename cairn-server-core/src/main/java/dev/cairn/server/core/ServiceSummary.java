package dev.cairn.server.core;

/**
 * One line of a {@link ServiceList}: a service's name, how many instances it has and how many of
 * them pass their checks, and the revision at which it last changed.
 */
public record ServiceSummary(String name, int instanceCount, int passingCount, long revision) {}

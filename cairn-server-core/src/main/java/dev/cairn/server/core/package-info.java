/**
 * The registry's core, without network code. Start with {@link dev.cairn.server.core.Registry}; the
 * command-log seam is in {@link dev.cairn.server.core.log}. Health checks are scheduled and judged
 * here; their network probes plug in through {@link dev.cairn.server.core.HealthProbe}.
 */
package dev.cairn.server.core;

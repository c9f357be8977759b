/**
 * The Cairn load generator: a command that drives a running server with bounded workloads and
 * prints a markdown table. Start with {@link dev.cairn.loadgen.LoadgenMain}; the workloads live in
 * {@code dev.cairn.loadgen.internal}.
 */
package dev.cairn.loadgen;

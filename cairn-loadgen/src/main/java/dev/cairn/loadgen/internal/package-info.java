/**
 * The load generator's workloads and plumbing. {@link dev.cairn.loadgen.internal.RunCommand} runs
 * the {@link dev.cairn.loadgen.internal.Workload}s against a {@link
 * dev.cairn.loadgen.internal.Target}; {@link dev.cairn.loadgen.internal.SessionStream} is the
 * client side of the gRPC session stream; {@link dev.cairn.loadgen.internal.Pipeline} keeps a fixed
 * number of asynchronous calls in flight; {@link dev.cairn.loadgen.internal.NettyReader} is W3's
 * closed-loop HTTP client.
 */
package dev.cairn.loadgen.internal;

package dev.cairn.loadgen.internal;

/**
 * One bounded workload: it runs against the context's server, adds its rows to the table and cleans
 * up what it registered. Bounded in count and in time; it stops by itself.
 */
interface Workload {

  /** The short name used by {@code --only}, e.g. {@code W1}. */
  String name();

  /** Runs the workload; throws when it could not run at all (its partial rows stay). */
  void run(RunContext context, ResultTable table) throws Exception;
}

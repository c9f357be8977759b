/**
 * The subcommands of {@code cairn} and their helpers. {@link dev.cairn.cli.internal.CairnCommand}
 * wires them; {@link dev.cairn.cli.internal.HttpApi} is the one HTTP client every client command
 * uses; {@link dev.cairn.cli.internal.ExitCode} lists the exit codes.
 */
package dev.cairn.cli.internal;

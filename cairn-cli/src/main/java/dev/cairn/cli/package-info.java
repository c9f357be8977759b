/**
 * The {@code cairn} command. Start at {@link dev.cairn.cli.Cairn}: {@code main} runs it, {@link
 * dev.cairn.cli.Cairn#commandLine()} gives the picocli command line for embedding and tests. The
 * commands themselves live in {@code dev.cairn.cli.internal}; they talk to a server only through
 * its public HTTP API, except {@code cairn server}, which embeds one.
 */
package dev.cairn.cli;

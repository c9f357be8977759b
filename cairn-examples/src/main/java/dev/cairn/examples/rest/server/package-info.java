/** Runs the REST example's server: {@code -Dexample=rest.server}. */
package dev.cairn.examples.rest.server;

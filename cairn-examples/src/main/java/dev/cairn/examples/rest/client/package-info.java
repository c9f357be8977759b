/** Runs the REST example's client: {@code -Dexample=rest.client}. */
package dev.cairn.examples.rest.client;

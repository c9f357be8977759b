/**
 * The Java consumer of the Node-producer walk-through (docs/walkthroughs.md): {@code mvn -B -q -pl
 * cairn-examples -am verify -DskipTests -Dexample=orders}, then {@code node producer.js} in {@code
 * cairn-examples/walkthroughs/node-producer}.
 */
package dev.cairn.examples.orders;

/** Spring example: hello (see {@code Application}). */
package dev.cairn.examples.spring.hello;

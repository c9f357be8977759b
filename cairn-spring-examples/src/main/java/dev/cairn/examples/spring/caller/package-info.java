/** Spring example: caller (see {@code Application}). */
package dev.cairn.examples.spring.caller;

/** Spring example: gateway (see {@code Application}). */
package dev.cairn.examples.spring.gateway;

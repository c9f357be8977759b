/** Internals of the Spring integration; not API. */
package dev.cairn.spring.internal;

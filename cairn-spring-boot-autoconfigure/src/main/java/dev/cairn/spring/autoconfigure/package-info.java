/**
 * The Cairn starter's auto-configuration, listed in {@code
 * META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports}; settings in
 * {@link dev.cairn.spring.autoconfigure.CairnProperties} ({@code cairn.*}).
 */
package dev.cairn.spring.autoconfigure;

/**
 * Spring Cloud on Cairn: {@link dev.cairn.spring.CairnDiscoveryClient}, {@link
 * dev.cairn.spring.CairnServiceRegistry}, {@link dev.cairn.spring.CairnAutoRegistration}
 * (registration at readiness, drain on shutdown) and {@link dev.cairn.spring.RegistrationDrain}.
 * The auto-configuration is in {@code dev.cairn.spring.autoconfigure}.
 */
package dev.cairn.spring;

/** Actuator: the {@code cairn} health indicator, the {@code cairn} endpoint and SDK metrics. */
package dev.cairn.spring.actuate;

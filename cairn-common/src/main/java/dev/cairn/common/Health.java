package dev.cairn.common;

/** An instance's health, as reported by its owner or by the server's checks. */
public enum Health {
  PASSING,
  WARNING,
  CRITICAL;

  /** Whether the instance should receive traffic: passing or warning. */
  public boolean isHealthy() {
    return this != CRITICAL;
  }
}

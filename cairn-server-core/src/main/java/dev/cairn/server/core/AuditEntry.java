package dev.cairn.server.core;

/**
 * One write as the audit keeps it (decision 0171): the revision it made, when the server that took
 * it accepted it, what it did and to what, and who did it.
 *
 * @param revision the revision the write made
 * @param timeMillis when the server that accepted the write took it (epoch milliseconds); 0 for a
 *     write logged before the audit existed
 * @param operation what it did: {@code register}, {@code deregister}, {@code set-health}, {@code
 *     set-config}, {@code open-session}, {@code close-session}, {@code expire-session}, {@code
 *     create-token}, {@code delete-token}, {@code create-policy}, {@code delete-policy}
 * @param namespace the namespace written; empty for sessions and ACLs
 * @param service the service written; empty for sessions and ACLs
 * @param target the instance id, session id, token accessor id or policy name
 * @param author who made it; null for a write logged before the audit existed
 */
public record AuditEntry(
    long revision,
    long timeMillis,
    String operation,
    String namespace,
    String service,
    String target,
    Author author) {}

/** Secrets and access control: how the registry's secrets are made, kept and checked. */
package dev.cairn.server.core.acl;

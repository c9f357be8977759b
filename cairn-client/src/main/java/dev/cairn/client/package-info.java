/**
 * The Cairn client: registers this process's instances under one session and keeps discovery views
 * of other services current, surviving registry outages.
 *
 * <p>Start with {@link dev.cairn.client.CairnClient#builder()}; {@link
 * dev.cairn.client.CairnClient#register} returns a {@link dev.cairn.client.Registration}, {@link
 * dev.cairn.client.CairnClient#view} a {@link dev.cairn.client.ServiceView}. Integrations share one
 * client per registries through {@link dev.cairn.client.SharedClient}. Failures are {@link
 * dev.cairn.common.CairnException}s with an {@link dev.cairn.common.ErrorCode}.
 */
package dev.cairn.client;

/**
 * The Cairn client: registers this process's instances under one session and keeps discovery views
 * of other services current, surviving registry outages.
 */
package dev.cairn.client;

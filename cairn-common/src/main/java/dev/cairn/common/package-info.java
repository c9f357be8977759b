/**
 * Value types shared by Cairn's client and server. Start with {@link dev.cairn.common.Instance},
 * {@link dev.cairn.common.Limits} and {@link dev.cairn.common.CairnException}.
 */
package dev.cairn.common;

package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;

/**
 * What applying one command produced: the revision it made (or the current revision when it changed
 * nothing), the create revision of a registered instance, or an error.
 */
record Result(long revision, long createRevision, ErrorCode error, String field, String message) {

  static Result ok(long revision) {
    return new Result(revision, 0, null, null, null);
  }

  static Result registered(long revision, long createRevision) {
    return new Result(revision, createRevision, null, null, null);
  }

  static Result failed(CairnException e) {
    return new Result(0, 0, e.code(), e.field(), e.getMessage());
  }

  boolean isOk() {
    return error == null;
  }

  CairnException toException() {
    return CairnException.of(error, field, message);
  }
}

package dev.cairn.cli.internal;

import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns exceptions into the one-line reasons the CLI prints after {@code error:}. The JDK's file
 * exceptions carry only the path as their message ({@code NoSuchFileException: /tmp/x}); here they
 * become {@code /tmp/x: no such file or directory}, and a message that quotes such an exception
 * ({@code cannot read /tmp/x: java.nio.file.NoSuchFileException: /tmp/x}) has the quote replaced by
 * the reason. No Java class name reaches the user.
 */
final class Failures {

  private Failures() {}

  /**
   * The reason {@code e} failed, one line: the first file-system or bind failure in its causes
   * spelled out, else its message (lower-cased first letter), else its simple class name.
   */
  static String describe(Throwable e) {
    FileSystemException file = find(e, FileSystemException.class);
    BindException bind = find(e, BindException.class);
    if (bind != null) {
      String m = bind.getMessage();
      return m == null || m.isBlank() ? "address already in use" : lowerFirst(m);
    }
    String message = e.getMessage();
    if (file != null) {
      if (file == e || message == null || message.equals(file.getMessage())) {
        return describe(file);
      }
      // e.g. "cannot read /x: java.nio.file.NoSuchFileException: /x" -> "cannot read /x: no such
      // file or directory"
      String quoted = file.toString();
      if (message.contains(quoted)) {
        return lowerFirst(message.replace(quoted, reason(file)));
      }
      if (message.equals(file.getFile())) {
        return describe(file);
      }
    }
    if (message == null || message.isBlank()) {
      return file != null ? describe(file) : e.getClass().getSimpleName();
    }
    return lowerFirst(message.lines().findFirst().orElse(message));
  }

  /** {@code <file>: <reason>}, e.g. {@code /tmp/x: permission denied}. */
  static String describe(FileSystemException e) {
    String where = e.getFile() == null ? "" : e.getFile() + ": ";
    String other = e.getOtherFile() == null ? "" : " (" + e.getOtherFile() + ")";
    return where + reason(e) + other;
  }

  /** Why a file operation failed, in words: "no such file or directory", "not a directory"... */
  static String reason(FileSystemException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    if (e instanceof FileAlreadyExistsException) {
      // Files.createDirectories on a path that is a file says this
      Path p = e.getFile() == null ? null : Path.of(e.getFile());
      return p != null && Files.exists(p) && !Files.isDirectory(p)
          ? "not a directory"
          : "already exists";
    }
    String reason = e.getReason();
    if (reason != null && !reason.isBlank()) {
      return reason.toLowerCase(Locale.ROOT);
    }
    return "cannot be used";
  }

  /** The first of {@code e} and its causes that is a {@code type}, or null. */
  static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  static String lowerFirst(String s) {
    if (s.length() > 1 && Character.isUpperCase(s.charAt(1))) {
      return s; // an acronym: "TLS ...", "HTTP ..."
    }
    return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }
}

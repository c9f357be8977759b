package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Turns the HTTP API's instance JSON into the short strings the tables and watch lines show. */
final class Render {

  private Render() {}

  /** {@code http=8080,grpc=9090}, or empty. */
  static String ports(JsonNode instance) {
    return joinFields(instance.path("ports"));
  }

  /** {@code k=v,k2=v2}, or empty. */
  static String metadata(JsonNode instance) {
    return joinFields(instance.path("metadata"));
  }

  /** {@code v1,canary}, or empty. */
  static String tags(JsonNode instance) {
    List<String> tags = new ArrayList<>();
    instance.path("tags").forEach(t -> tags.add(t.asText()));
    return String.join(",", tags);
  }

  /** The text of {@code field}, or empty when absent or null. */
  static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isMissingNode() || v.isNull() ? "" : v.asText();
  }

  /** One instance on one line: {@code web-1 127.0.0.1 http=8080 tags=v1 zone=z1 passing}. */
  static String line(JsonNode instance) {
    StringBuilder sb = new StringBuilder();
    sb.append(text(instance, "id")).append("  ").append(text(instance, "address"));
    appendIfPresent(sb, "", ports(instance));
    appendIfPresent(sb, "tags=", tags(instance));
    appendIfPresent(sb, "zone=", text(instance, "zone"));
    appendIfPresent(sb, "weight=", text(instance, "weight"));
    appendIfPresent(sb, "", text(instance, "health"));
    return sb.toString();
  }

  private static void appendIfPresent(StringBuilder sb, String prefix, String value) {
    if (!value.isEmpty()) {
      sb.append("  ").append(prefix).append(value);
    }
  }

  private static String joinFields(JsonNode object) {
    List<String> parts = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      parts.add(e.getKey() + "=" + e.getValue().asText());
    }
    return String.join(",", parts);
  }
}

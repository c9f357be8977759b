package dev.cairn.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.IssuedToken;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.server.core.acl.Token;
import dev.cairn.server.internal.auth.AclGuard;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * The ACL endpoints under {@code /v1/acl} (decision 0167): bootstrap, tokens and policies. They
 * answer only when ACLs are on ({@code 409 FAILED_PRECONDITION} naming {@code acl} otherwise: a
 * token made while nothing checks tokens would be a management token anyone could have taken).
 */
final class AclEndpoints {

  private final AclGuard acl;

  AclEndpoints(AclGuard acl) {
    this.acl = acl;
  }

  /** {@code POST /v1/acl/bootstrap}: the first management token, once; no body (400 with one). */
  void bootstrap(Exchange ex) {
    ex.checkParams(Set.of(), false);
    ex.refuseBody("bootstrap takes none: the first token is always a management token");
    checkOn();
    ex.reply(acl.acls().bootstrap(ex.author()), AclEndpoints::issued);
  }

  /** {@code GET /v1/acl/tokens}. */
  void listTokens(Exchange ex) {
    ex.checkParams(Set.of(), false);
    checkOn();
    List<Token> tokens = acl.acls().tokens();
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeArrayFieldStart("tokens");
              for (Token t : tokens) {
                g.writeStartObject();
                writeToken(g, t);
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  /** {@code POST /v1/acl/tokens}: answers the token with its secret, this once. */
  void createToken(Exchange ex) {
    ex.checkParams(Set.of(), false);
    checkOn();
    JsonRequests.TokenRequest request = JsonRequests.token(ex.jsonBody());
    ex.reply(
        acl.acls().createToken(request.description(), request.policies(), ex.author()),
        AclEndpoints::issued);
  }

  /** {@code DELETE /v1/acl/tokens/{accessorId}}. */
  void deleteToken(Exchange ex) {
    ex.checkParams(Set.of(), false);
    checkOn();
    ex.reply(acl.acls().deleteToken(ex.segment(3), ex.author()), JsonBodies::revision);
  }

  /** {@code GET /v1/acl/policies}. */
  void listPolicies(Exchange ex) {
    ex.checkParams(Set.of(), false);
    checkOn();
    List<Policy> policies = acl.acls().policies();
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeArrayFieldStart("policies");
              for (Policy p : policies) {
                writePolicy(g, p);
              }
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  /** {@code POST /v1/acl/policies}. */
  void createPolicy(Exchange ex) {
    ex.checkParams(Set.of(), false);
    checkOn();
    Policy policy = JsonRequests.policy(ex.jsonBody());
    ex.reply(acl.acls().createPolicy(policy, ex.author()), JsonBodies::revision);
  }

  /** {@code DELETE /v1/acl/policies/{name}}. */
  void deletePolicy(Exchange ex) {
    ex.checkParams(Set.of(), false);
    checkOn();
    ex.reply(acl.acls().deletePolicy(ex.segment(3), ex.author()), JsonBodies::revision);
  }

  private static final Set<String> SELF_PARAMS = Set.of("namespace", "service");

  /**
   * {@code GET /v1/acl/self?namespace=&service=}: what the request's own token may do, for the
   * console to ask for a token and to hide what it may not use (decision 0172). Public: it tells a
   * caller only about the token it sent; answered with ACLs off too ({@code "acl": false}).
   */
  void self(Exchange ex) {
    ex.checkParams(SELF_PARAMS, false);
    String ns = ex.namespace();
    String service = ex.param("service");
    if (service != null) {
      dev.cairn.common.Names.checkLabel("service", service);
    }
    Authorizer caller = ex.authorizer();
    boolean on = acl.enforced();
    boolean known = !on || caller.kind() != Authorizer.Kind.UNKNOWN;
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeBooleanField("acl", on);
              g.writeStringField(
                  "token", !on ? "none" : caller.kind().name().toLowerCase(java.util.Locale.ROOT));
              g.writeStringField("accessorId", caller.accessorId());
              g.writeStringField("namespace", ns);
              g.writeObjectFieldStart("may");
              g.writeBooleanField(
                  "listServices",
                  known && caller.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, ns));
              g.writeBooleanField(
                  "readAllServices", known && AclGuard.readsWholeNamespace(caller, ns));
              g.writeBooleanField(
                  "readCluster", known && caller.allows(Resource.CLUSTER, Access.READ));
              g.writeBooleanField("readAcl", known && caller.allows(Resource.ACL, Access.READ));
              if (service != null) {
                g.writeBooleanField(
                    "readService",
                    known && caller.allows(Resource.SERVICE, Access.READ, ns, service));
                g.writeBooleanField(
                    "writeService",
                    known && caller.allows(Resource.SERVICE, Access.WRITE, ns, service));
              }
              g.writeEndObject();
              g.writeEndObject();
            }));
  }

  private void checkOn() {
    if (!acl.enforced()) {
      throw CairnException.of(
          ErrorCode.FAILED_PRECONDITION, "acl", "acl: off (expected: a server started with --acl)");
    }
  }

  private static byte[] issued(IssuedToken issued) {
    return JsonBodies.encode(
        g -> {
          g.writeStartObject();
          writeToken(g, issued.token());
          g.writeStringField("secret", issued.secret());
          g.writeEndObject();
        });
  }

  private static void writeToken(JsonGenerator g, Token t) throws IOException {
    g.writeStringField("accessorId", t.accessorId());
    g.writeStringField("description", t.description());
    g.writeArrayFieldStart("policies");
    for (String p : t.policies()) {
      g.writeString(p);
    }
    g.writeEndArray();
    g.writeNumberField("createRevision", t.createRevision());
  }

  static void writePolicy(JsonGenerator g, Policy p) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", p.name());
    g.writeStringField("description", p.description());
    g.writeArrayFieldStart("rules");
    for (Rule r : p.rules()) {
      g.writeStartObject();
      g.writeStringField("resource", r.resource().label());
      if (r.resource().scoped()) {
        g.writeStringField("namespace", r.namespace());
        g.writeStringField("prefix", r.prefix());
      }
      g.writeStringField("access", r.access().label());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }
}

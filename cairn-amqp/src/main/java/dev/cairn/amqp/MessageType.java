package dev.cairn.amqp;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the logical message type of a JSON body class: the AMQP {@code type} property that
 * {@link MessageCodec#json(Class)} puts on every message, so that consumers in any language can
 * switch on a name that does not change when the Java class is renamed or moved.
 *
 * <pre>{@code
 * @MessageType("order.created")
 * record OrderCreated(String orderId, long cents) {}
 * }</pre>
 *
 * <p>Without it the type is the class's simple name ({@code OrderCreated}). {@link
 * MessageCodec#withTypeName(String)} overrides either. 1..255 printable ASCII characters.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface MessageType {

  /** The type name, e.g. {@code order.created}. */
  String value();
}

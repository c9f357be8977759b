/** Value types shared by the SDK and the server (JDK only). */
module dev.cairn.common {
  exports dev.cairn.common;
  exports dev.cairn.common.tls;
}

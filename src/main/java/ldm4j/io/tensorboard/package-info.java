/**
 * TensorBoard event files in pure Java: TFRecord framing with masked CRC32C, the protobuf encoding of scalar
 * and image summaries, and a PNG encoder. Layer: foundations. It may use only the foundations ({@code
 * config}, {@code io}, {@code torch}, {@code LdmException}) besides the JDK and the libraries.
 */
package ldm4j.io.tensorboard;

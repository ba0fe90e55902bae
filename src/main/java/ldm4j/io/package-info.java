/**
 * Files and formats without models: safetensors reading and writing, atomic writes ({@code AtomicFiles}:
 * temp file and rename), checkpoint folders and their checks ({@code CheckpointStore}, {@code Checkpoints}),
 * PNG text chunks, animated GIFs, run locks, file hashes, and the typed errors of malformed input ({@code
 * FormatException}). Layer: foundations. It may use only the foundations ({@code config}, {@code io}, {@code
 * torch}, {@code LdmException}) besides the JDK and the libraries.
 */
package ldm4j.io;

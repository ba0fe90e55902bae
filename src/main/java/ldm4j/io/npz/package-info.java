/**
 * NumPy {@code .npy}/{@code .npz} files (STORED zip, as {@code numpy.savez}): reading with sizes bounded
 * before allocation, and atomic or streamed writing of ADM evaluation batches. Layer: foundations. It may
 * use only the foundations ({@code config}, {@code io}, {@code torch}, {@code LdmException}) besides the JDK
 * and the libraries.
 */
package ldm4j.io.npz;

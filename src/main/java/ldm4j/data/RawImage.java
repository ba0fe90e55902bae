package ldm4j.data;

/**
 * A decoded 8-bit RGB image in planar layout (3, H, W): all red bytes row-major, then green, then
 * blue. That is CIFAR-10's storage order and libtorch's (C, H, W) order.
 */
public record RawImage(byte[] planes, int height, int width) {
    public RawImage {
        if (height <= 0 || width <= 0 || planes.length != 3 * height * width) {
            throw new IllegalArgumentException("buffer of " + planes.length + " bytes does not match 3x"
                    + height + "x" + width);
        }
    }
}

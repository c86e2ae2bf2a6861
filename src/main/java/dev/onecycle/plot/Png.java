package dev.onecycle.plot;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Smaller PNGs of charts, for notebook output: a chart from XChart is a true-colour image with a few hundred
 * colours (its lines' anti-aliasing), which an 8-bit palette holds almost exactly at about half the size.
 */
public final class Png {
    private Png() {
    }

    /**
     * {@code png} as an 8-bit palette PNG when that is smaller. With at most 256 colours the result is pixel for
     * pixel the same image; with more, the palette holds the 256 most frequent colours and every other pixel
     * gets the palette colour nearest to it (in RGB), which for a chart changes only some anti-aliasing pixels
     * by a shade. Images with transparency, or that cannot be read, are returned unchanged.
     */
    public static byte[] palette(byte[] png) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        if (img == null) {
            return png;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        Map<Integer, Integer> counts = new HashMap<>();
        for (int c : argb) {
            if (c >>> 24 != 0xff) {
                return png;
            }
            counts.merge(c, 1, Integer::sum);
        }
        List<Map.Entry<Integer, Integer>> byCount = new ArrayList<>(counts.entrySet());
        byCount.sort((a, b) -> b.getValue() != a.getValue().intValue() ? b.getValue() - a.getValue()
                : Integer.compare(a.getKey(), b.getKey()));
        int n = Math.min(256, byCount.size());
        int[] palette = new int[n];
        byte[] r = new byte[n];
        byte[] g = new byte[n];
        byte[] b = new byte[n];
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            int c = byCount.get(i).getKey();
            palette[i] = c;
            r[i] = (byte) (c >> 16);
            g[i] = (byte) (c >> 8);
            b[i] = (byte) c;
            index.put(c, i);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(8, n, r, g, b));
        byte[] pixels = new byte[w * h];
        for (int i = 0; i < argb.length; i++) {
            pixels[i] = (byte) (int) index.computeIfAbsent(argb[i], c -> nearest(palette, c));
        }
        out.getRaster().setDataElements(0, 0, w, h, pixels);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(out, "png", bytes)) {
            return png;
        }
        return bytes.size() < png.length ? bytes.toByteArray() : png;
    }

    private static int nearest(int[] palette, int c) {
        int best = 0;
        long bestDistance = Long.MAX_VALUE;
        for (int i = 0; i < palette.length; i++) {
            int dr = (c >> 16 & 0xff) - (palette[i] >> 16 & 0xff);
            int dg = (c >> 8 & 0xff) - (palette[i] >> 8 & 0xff);
            int db = (c & 0xff) - (palette[i] & 0xff);
            long d = (long) dr * dr + (long) dg * dg + (long) db * db;
            if (d < bestDistance) {
                bestDistance = d;
                best = i;
            }
        }
        return best;
    }
}

package dev.cairn.client.lb.internal;

/** The 64-bit hash and the low-discrepancy sequence the policies share. */
public final class Hashing {

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Hashing() {}

  /** FNV-1a over the string's chars, then MurmurHash3's 64-bit finaliser for avalanche. */
  public static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** MurmurHash3's fmix64. */
  public static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /**
   * The {@code n}-th point of the golden-ratio (Weyl) sequence scaled to {@code [0, bound)}: any
   * run of consecutive {@code n} covers the range almost evenly, so weighted choices by it follow
   * their weights closely and interleave smoothly.
   */
  static int weyl(long n, int bound) {
    long h = weylPoint(n);
    // Unsigned high 64 bits of h * bound (bound >= 0).
    return (int) (Math.multiplyHigh(h, bound) + ((h >> 63) & bound));
  }

  /** The {@code n}-th point of the golden-ratio sequence as an unsigned 64-bit fraction of 1. */
  static long weylPoint(long n) {
    return n * GOLDEN;
  }

  /** The first index whose cumulative weight is above {@code x}; {@code cumulative} ascends. */
  static int search(int[] cumulative, int x) {
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] > x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }
}

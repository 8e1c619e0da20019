/* Python's random.Random, in the page: the same Mersenne Twister, seeded the same way, so a
   seed gives the page the very numbers Python draws. And mlpInit: the initial parameters
   nn.MLP(nin, nouts, seed=..., init=...) makes, in parameters() order.
   No DOM: it runs in the browser and in node. */
(function (exports) {
  "use strict";

  var N = 624;
  var M = 397;
  var MATRIX_A = 0x9908b0df;
  var UPPER_MASK = 0x80000000;
  var LOWER_MASK = 0x7fffffff;
  var TWO_32 = 4294967296;
  var TWOPI = 2.0 * Math.PI;

  function describe(value) {
    var text = typeof value === "string" ? JSON.stringify(value) : String(value);
    return typeof value + " " + (text.length <= 40 ? text : text.slice(0, 37) + "...");
  }

  /* The 32-bit words of |seed|, least significant first, as CPython's random_seed makes
     its key for init_by_array (zero is the one word 0). */
  function seedWords(seed) {
    if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
      throw new TypeError("PyRandom: seed must be an integer within ±(2^53 − 1), got " +
                          describe(seed));
    }
    var n = Math.abs(seed);
    var words = [n % TWO_32];
    n = Math.floor(n / TWO_32);
    while (n > 0) {
      words.push(n % TWO_32);
      n = Math.floor(n / TWO_32);
    }
    return words;
  }

  /* cos, sin and log rounded correctly (computed in double-double, about 100 bits, then
     rounded once), as C's libm nearly always returns them; JavaScript's Math.cos, sin and
     log are allowed an error of up to an ulp and differ from C's in 3 to 7 draws in 100. */

  // Double-double numbers are pairs [hi, lo] with |lo| ≤ half an ulp of hi.
  function twoSum(a, b) {
    var s = a + b;
    var bb = s - a;
    return [s, (a - (s - bb)) + (b - bb)];
  }
  function renormal(s, e) {
    var t = s + e;
    return [t, e - (t - s)];
  }
  function split(a) {
    var c = 134217729 * a;  // 2^27 + 1
    var hi = c - (c - a);
    return [hi, a - hi];
  }
  function twoProd(a, b) {
    var p = a * b;
    var x = split(a);
    var y = split(b);
    return [p, ((x[0] * y[0] - p) + x[0] * y[1] + x[1] * y[0]) + x[1] * y[1]];
  }
  function ddAdd(a, b) {
    var s = twoSum(a[0], b[0]);
    var t = twoSum(a[1], b[1]);
    var u = renormal(s[0], s[1] + t[0]);
    return renormal(u[0], u[1] + t[1]);
  }
  function ddMul(a, b) {
    var p = twoProd(a[0], b[0]);
    return renormal(p[0], p[1] + (a[0] * b[1] + a[1] * b[0]));
  }
  function ddDiv(a, b) {
    var q1 = a[0] / b[0];
    var r = ddAdd(a, ddMul([-q1, 0], b));
    var q2 = r[0] / b[0];
    r = ddAdd(r, ddMul([-q2, 0], b));
    var q3 = r[0] / b[0];
    return ddAdd(renormal(q1, q2), [q3, 0]);
  }
  // Σ c[i]·x^i by Horner's rule.
  function ddPoly(coefficients, x) {
    var sum = coefficients[coefficients.length - 1];
    for (var i = coefficients.length - 2; i >= 0; i--) sum = ddAdd(coefficients[i], ddMul(sum, x));
    return sum;
  }

  var LN2 = [0.6931471805599453, 2.3190468138462996e-17];
  var PIO2 = [1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33];
  var ATANH_TERMS = [];  // 1/(2i+1): 2·atanh(s) = 2s·Σ s^2i/(2i+1)
  var SIN_TERMS = [];    // (−1)^i/(2i+1)!: sin r = r·Σ (−1)^i r^2i/(2i+1)!
  var COS_TERMS = [];    // (−1)^i/(2i)!: cos r = Σ (−1)^i r^2i/(2i)!
  (function () {
    var factorial = [1, 0];
    for (var i = 0; i < 24; i++) ATANH_TERMS.push(ddDiv([1, 0], [2 * i + 1, 0]));
    for (var n = 0; n < 32; n++) {
      if (n > 0) factorial = ddDiv(factorial, [n, 0]);  // now 1/n!
      if (n % 2 === 0) COS_TERMS.push(n % 4 === 0 ? factorial : [-factorial[0], -factorial[1]]);
      else SIN_TERMS.push(n % 4 === 1 ? factorial : [-factorial[0], -factorial[1]]);
    }
  })();

  /** log(u) for u > 0, correctly rounded: u = m·2^e with m in [√½, √2), and
      log m = 2·atanh((m − 1)/(m + 1)). */
  function log(u) {
    if (!(u > 0) || u === Infinity) return Math.log(u);
    var m = u;
    var e = 0;
    while (m < 1) { m *= 2; e -= 1; }  // exact: scaling by 2
    while (m >= 2) { m /= 2; e += 1; }
    if (m >= Math.SQRT2) { m /= 2; e += 1; }
    var s = ddDiv(twoSum(m, -1), twoSum(m, 1));
    var logM = ddMul([2 * s[0], 2 * s[1]], ddPoly(ATANH_TERMS, ddMul(s, s)));
    var eLn2 = twoProd(e, LN2[0]);
    return ddAdd(logM, renormal(eLn2[0], eLn2[1] + e * LN2[1]))[0];
  }

  // x − k·π/2 for the nearest k, as [r, k mod 4] with r double-double.
  function reduce(x) {
    var k = Math.round(x / PIO2[0]);
    var r = twoSum(x, -twoProd(k, PIO2[0])[0]);
    r = ddAdd(r, [-twoProd(k, PIO2[0])[1], 0]);
    r = ddAdd(r, ddMul([-k, 0], [PIO2[1], 0]));
    r = ddAdd(r, [-k * PIO2[2], 0]);
    return [r, ((k % 4) + 4) % 4];
  }
  function sinOf(r) { return ddMul(r, ddPoly(SIN_TERMS, ddMul(r, r))); }
  function cosOf(r) { return ddPoly(COS_TERMS, ddMul(r, r)); }

  /** cos(x), correctly rounded for |x| ≤ 10^5 (beyond, Math.cos's). */
  function cos(x) {
    if (!(Math.abs(x) <= 1e5)) return Math.cos(x);
    var q = reduce(x);
    var v = q[1] === 0 ? cosOf(q[0]) : q[1] === 1 ? neg(sinOf(q[0]))
      : q[1] === 2 ? neg(cosOf(q[0])) : sinOf(q[0]);
    return v[0];
  }
  /** sin(x), correctly rounded for |x| ≤ 10^5 (beyond, Math.sin's). */
  function sin(x) {
    if (!(Math.abs(x) <= 1e5)) return Math.sin(x);
    if (x === 0) return x;  // keeps −0's sign
    var q = reduce(x);
    var v = q[1] === 0 ? sinOf(q[0]) : q[1] === 1 ? cosOf(q[0])
      : q[1] === 2 ? neg(sinOf(q[0])) : neg(cosOf(q[0]));
    return v[0];
  }
  function neg(a) { return [-a[0], -a[1]]; }

  /** A random number generator that draws exactly what CPython 3.11's random.Random(seed)
      draws: random(), getrandbits(k) for k ≤ 53, shuffle, uniform and gauss. */
  class PyRandom {
    constructor(seed) {
      var key = seedWords(seed);
      this.mt = new Uint32Array(N);
      this.index = N;
      this.gaussNext = null;
      this.initByArray(key);
    }

    initGenrand(s) {
      var mt = this.mt;
      mt[0] = s >>> 0;
      for (var i = 1; i < N; i++) {
        var prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
        mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
      }
      this.index = N;
    }

    initByArray(key) {
      var mt = this.mt;
      this.initGenrand(19650218);
      var i = 1;
      var j = 0;
      var k;
      for (k = Math.max(N, key.length); k > 0; k--) {
        var prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
        // (mt ^ (prev * 1664525)) + key[j] + j, all modulo 2^32.
        mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
        i++;
        j++;
        if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
        if (j >= key.length) j = 0;
      }
      for (k = N - 1; k > 0; k--) {
        var before = mt[i - 1] ^ (mt[i - 1] >>> 30);
        mt[i] = ((mt[i] ^ Math.imul(before, 1566083941)) - i) >>> 0;
        i++;
        if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
      }
      mt[0] = 0x80000000;  // the state is never all zeros
    }

    /** The next 32 random bits, an integer in [0, 2^32). */
    nextUint32() {
      var mt = this.mt;
      var y;
      if (this.index >= N) {
        var kk;
        for (kk = 0; kk < N - M; kk++) {
          y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
          mt[kk] = mt[kk + M] ^ (y >>> 1) ^ ((y & 1) ? MATRIX_A : 0);
        }
        for (; kk < N - 1; kk++) {
          y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
          mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ ((y & 1) ? MATRIX_A : 0);
        }
        y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
        mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) ? MATRIX_A : 0);
        this.index = 0;
      }
      y = mt[this.index++];
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      return y >>> 0;
    }

    /** A float in [0, 1) with 53 random bits: (a·2^26 + b) / 2^53 from 27 and 26 bits. */
    random() {
      var a = this.nextUint32() >>> 5;
      var b = this.nextUint32() >>> 6;
      return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /** An integer with `k` random bits, 0 ≤ k ≤ 53 (the words of a wider Python int are
        drawn least significant first, the top word keeping its high bits). */
    getrandbits(k) {
      if (!Number.isInteger(k) || k < 0 || k > 53) {
        throw new RangeError("PyRandom.getrandbits: k must be an integer from 0 to 53, got " +
                             describe(k));
      }
      if (k === 0) return 0;
      if (k <= 32) return this.nextUint32() >>> (32 - k);
      var low = this.nextUint32();
      var high = this.nextUint32() >>> (64 - k);
      return high * TWO_32 + low;
    }

    /** An integer in [0, n), by rejection on n.bit_length() bits, as Python's _randbelow. */
    randbelow(n) {
      if (!Number.isSafeInteger(n) || n < 1) {
        throw new RangeError("PyRandom.randbelow: n must be a positive safe integer, got " +
                             describe(n));
      }
      var k = bitLength(n);
      var r = this.getrandbits(k);
      while (r >= n) r = this.getrandbits(k);
      return r;
    }

    /** Shuffle `array` in place with the swaps Python's shuffle makes; returns it. */
    shuffle(array) {
      for (var i = array.length - 1; i > 0; i--) {
        var j = this.randbelow(i + 1);
        var t = array[i];
        array[i] = array[j];
        array[j] = t;
      }
      return array;
    }

    /** a + (b − a)·random(). */
    uniform(a, b) {
      return a + (b - a) * this.random();
    }

    /** A normal draw by Box–Muller, keeping the second value for the next call, as
        Python's gauss does (with correctly rounded cos, sin and log: C's differ from them
        in about one call in a thousand, by an ulp). */
    gauss(mu, sigma) {
      var z = this.gaussNext;
      this.gaussNext = null;
      if (z === null) {
        var x2pi = this.random() * TWOPI;
        var g2rad = Math.sqrt(-2.0 * log(1.0 - this.random()));
        z = cos(x2pi) * g2rad;
        this.gaussNext = sin(x2pi) * g2rad;
      }
      return mu + z * sigma;
    }
  }

  function bitLength(n) {
    var k = 0;
    while (n >= TWO_32) { n = Math.floor(n / TWO_32); k += 32; }
    return k + (32 - Math.clz32(n));
  }

  // nn.INITS plus "zeros" (every weight 0, nothing drawn), and each activation's default
  // init (ops.ACTIVATIONS[name].default_init); a test checks both against Python.
  var INITS = ["uniform01", "truncated_normal", "glorot", "he", "zeros"];
  var DEFAULT_INIT = { tanh: "glorot", relu: "he", sigmoid: "glorot", linear: "glorot" };

  // One weight of a layer with nin inputs and nout neurons, as nn._initial_weight draws it.
  function initialWeight(init, nin, nout, rng) {
    if (init === "uniform01") return rng.random();
    if (init === "truncated_normal") {
      // N(0, 0.05²) redrawn beyond two standard deviations.
      for (;;) {
        var w = rng.gauss(0.0, 0.05);
        if (Math.abs(w) <= 0.1) return w;
      }
    }
    if (init === "glorot") {
      var limit = Math.sqrt(6.0 / (nin + nout));
      return rng.uniform(-limit, limit);
    }
    if (init === "he") {
      var heLimit = Math.sqrt(6.0 / nin);
      return rng.uniform(-heLimit, heLimit);
    }
    return 0.0;  // zeros
  }

  function positiveInt(value, what) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError("mlpInit: " + what + " must be a positive int, got " + describe(value));
    }
    return value;
  }

  function choice(value, choices, what) {
    if (choices.indexOf(value) < 0) {
      throw new RangeError("mlpInit: unknown " + what + " " + describe(value) +
                           "; choose one of " + choices.join(", "));
    }
    return value;
  }

  /** The initial parameters of MLP(nin, nouts, activation, output_activation, bias, init,
      seed) in parameters() order: each neuron's weights, then its bias (0, not drawn).
      options: {seed (required int), init (one of nn.INITS, or "zeros": every parameter 0,
      an init Python's MLP lacks; null: each layer's activation's default),
      bias (true), activation ("tanh"), output_activation ("linear")}. */
  function mlpInit(nin, nouts, options) {
    var opts = options || {};
    positiveInt(nin, "nin");
    if (!Array.isArray(nouts) || nouts.length === 0) {
      throw new TypeError("mlpInit: nouts must be a non-empty list of layer sizes, got " +
                          describe(nouts));
    }
    nouts.forEach(function (n, i) { positiveInt(n, "nouts[" + i + "]"); });
    var activations = Object.keys(DEFAULT_INIT);
    var activation = choice(opts.activation === undefined ? "tanh" : opts.activation,
                            activations, "activation");
    var output = choice(opts.output_activation === undefined ? "linear" : opts.output_activation,
                        activations, "output_activation");
    var init = opts.init === undefined || opts.init === null ? null : choice(opts.init, INITS, "init");
    var bias = opts.bias === undefined ? true : opts.bias;
    if (typeof bias !== "boolean") {
      throw new TypeError("mlpInit: bias must be true or false, got " + describe(bias));
    }
    if (!Number.isSafeInteger(opts.seed)) {
      throw new TypeError("mlpInit: seed must be an integer within ±(2^53 − 1), got " +
                          describe(opts.seed));
    }
    var rng = new PyRandom(opts.seed);
    var params = [];
    var sizes = [nin].concat(nouts);
    for (var layer = 0; layer < nouts.length; layer++) {
      var fanIn = sizes[layer];
      var fanOut = sizes[layer + 1];
      var act = layer < nouts.length - 1 ? activation : output;
      var layerInit = init === null ? DEFAULT_INIT[act] : init;
      for (var neuron = 0; neuron < fanOut; neuron++) {
        for (var i = 0; i < fanIn; i++) params.push(initialWeight(layerInit, fanIn, fanOut, rng));
        if (bias) params.push(0.0);
      }
    }
    return params;
  }

  exports.PyRandom = PyRandom;
  exports.pyrandomLibm = { cos: cos, sin: sin, log: log };
  exports.mlpInit = mlpInit;
  exports.PYRANDOM_INITS = INITS;
  exports.PYRANDOM_DEFAULT_INIT = DEFAULT_INIT;
})(typeof module !== "undefined" ? module.exports : globalThis);

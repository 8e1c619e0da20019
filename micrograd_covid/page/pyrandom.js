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
        Python's gauss does. Math.cos/sin/log may differ from C's in the last bit. */
    gauss(mu, sigma) {
      var z = this.gaussNext;
      this.gaussNext = null;
      if (z === null) {
        var x2pi = this.random() * TWOPI;
        var g2rad = Math.sqrt(-2.0 * Math.log(1.0 - this.random()));
        z = Math.cos(x2pi) * g2rad;
        this.gaussNext = Math.sin(x2pi) * g2rad;
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
      options: {seed (required int), init (null: each layer's activation default),
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
  exports.mlpInit = mlpInit;
  exports.PYRANDOM_INITS = INITS;
  exports.PYRANDOM_DEFAULT_INIT = DEFAULT_INIT;
})(typeof module !== "undefined" ? module.exports : globalThis);

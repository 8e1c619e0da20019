/* The page's training engine: it replays one sample's recorded graph, as fit(...,
   engine="compiled") does, with each node's rule taken from the op table's JavaScript column
   (registered with MGEngine.rules by a script micrograd_covid writes from ops.TABLE).

   No DOM: it runs in the page and in node. The program is data (JSON written by
   micrograd_covid.explore.program_data): value slots are the parameters, then the fed leaves
   (a row's inputs, then its targets), then constant leaves, then the interior nodes in the
   order the batch's graph computes them. A node is [op row name, input slots, params]. A
   cross_entropy program also has `pick` (the node that reads the logit of the row's class,
   fed as the row's last value) and `outputs` (the model's outputs, the logits).

   The arithmetic follows the library's, step for step, so the numbers are Python's: a batch's
   rows run forward in order; the loss adds the row terms left to right from 0 (then divides by
   their count for a mean); backward runs the rows last first and, within a row, the nodes last
   first, adding local * upstream to each input; the optimizers compute exactly what optim.py
   computes. */
(function (root) {
  "use strict";
  var RULES = {};

  function rules(table) {
    Object.keys(table).forEach(function (name) { RULES[name] = table[name]; });
  }

  function ruleOf(name) {
    var rule = Object.prototype.hasOwnProperty.call(RULES, name) ? RULES[name] : null;
    if (typeof rule !== "function") {
      throw new Error("MGEngine: no JavaScript rule for op " + JSON.stringify(String(name)));
    }
    return rule;
  }

  // Apply one op row to input values: [value, local partials], as its Python kernel gives.
  function apply(name, x, params) {
    return ruleOf(name)(x, params || [], RULES);
  }

  function finite(x) { return x - x === 0; }

  // Training met a number that is not finite; `forward`: in the forward pass or the loss.
  function Diverged(message, forward) { this.message = message; this.forward = !!forward; }

  /* A compiled program: the slots, each node's rule looked up once. */
  function Program(data) {
    this.data = data;
    this.P = data.params.length;
    this.F = data.fed;
    this.C = data.consts.length;
    this.base = this.P + this.F + this.C;
    this.nodes = data.nodes.map(function (node) {
      return { rule: ruleOf(node[0]), ins: node[1], params: node[2] || [] };
    });
    this.terms = data.terms;
    this.mean = !!data.mean;
    // cross_entropy: node pick[0] reads, as input pick[1], the output of the row's class
    this.pick = data.pick || null;
  }

  /* The input slots of the node that reads the row's class's output (the class is the row's
     last fed value), or null when the program has no such node. */
  Program.prototype.picked = function (row) {
    var pick = this.pick;
    if (!pick) return null;
    var c = row[this.F - 1], slots = pick[2];
    if (!(c >= 0 && c < slots.length && Math.floor(c) === c)) {
      throw new Error("a row's class must be a whole number from 0 to " + (slots.length - 1) + ", got " + c);
    }
    var ins = this.nodes[pick[0]].ins.slice();
    ins[pick[1]] = slots[c];
    return ins;
  };

  /* One row forward: every slot's value and every node's partials (into `vals`, `locs`);
     returns the picked node's input slots for this row (null without one). */
  Program.prototype.forwardRow = function (params, row, vals, locs) {
    var P = this.P, F = this.F, base = this.base, nodes = this.nodes, k, j;
    var picked = this.picked(row), at = picked ? this.pick[0] : -1;
    for (k = 0; k < P; k++) vals[k] = params[k];
    for (k = 0; k < F; k++) vals[P + k] = row[k];
    for (k = 0; k < this.C; k++) vals[P + F + k] = this.data.consts[k];
    for (k = 0; k < nodes.length; k++) {
      var node = nodes[k], ins = k === at ? picked : node.ins, x = new Array(ins.length);
      for (j = 0; j < ins.length; j++) x[j] = vals[ins[j]];
      var out = node.rule(x, node.params, RULES);
      if (!finite(out[0])) {
        throw new Diverged("the value of node " + k + " (" + this.data.nodes[k][0] + ") is " + out[0], true);
      }
      vals[base + k] = out[0];
      locs[k] = out[1];
    }
    return picked;
  };

  /* A batch: forward every row, the loss; then the parameters' gradients. */
  Program.prototype.batch = function (params, rows) {
    var P = this.P, base = this.base, nodes = this.nodes, terms = this.terms;
    var size = base + nodes.length, saved = [], out = [], r, k, j;
    for (r = 0; r < rows.length; r++) {
      var vals = new Array(size), locs = new Array(nodes.length);
      var picked = this.forwardRow(params, rows[r], vals, locs);
      for (k = 0; k < terms.length; k++) out.push(vals[base + terms[k]]);
      saved.push({ vals: vals, locs: locs, picked: picked });
    }
    var total = 0;
    for (k = 0; k < out.length; k++) total += out[k];
    var loss, seed;
    if (this.mean) { loss = total / out.length; seed = (1 / out.length) * 1; }
    else { loss = total; seed = 1 * 1; }
    if (!finite(loss)) throw new Diverged("loss " + loss, true);
    var grads = new Array(P).fill(0);
    var g = new Array(size), at = this.pick ? this.pick[0] : -1;
    for (r = saved.length - 1; r >= 0; r--) {
      var row = saved[r];
      for (k = P; k < size; k++) g[k] = 0;
      for (k = 0; k < P; k++) g[k] = grads[k];
      for (k = 0; k < terms.length; k++) g[base + terms[k]] = seed;
      for (k = nodes.length - 1; k >= 0; k--) {
        var ins = k === at ? row.picked : nodes[k].ins, local = row.locs[k], up = g[base + k];
        for (j = 0; j < ins.length; j++) g[ins[j]] += local[j] * up;
      }
      for (k = 0; k < P; k++) grads[k] = g[k];
    }
    return { loss: loss, grads: grads, rows: saved };
  };

  /* The slot of the model's output: the other input of the first node that reads the target
     (the program's last fed slot), e.g. s in y·s or ŷ in ŷ − y; -1 if there is none. */
  Program.prototype.outputSlot = function () {
    var target = this.P + this.F - 1;
    for (var k = 0; k < this.nodes.length; k++) {
      var ins = this.nodes[k].ins;
      if (ins.indexOf(target) >= 0) {
        for (var j = 0; j < ins.length; j++) if (ins[j] !== target && ins[j] >= this.base) return ins[j];
      }
    }
    return -1;
  };

  /* The model's output for each input in `xs` (the target slot fed 0), at `params`; for a
     program that lists several outputs (a cross_entropy classifier's logits), a list each. */
  Program.prototype.predict = function (params, xs) {
    var slot = this.outputSlot(), size = this.base + this.nodes.length, out = new Array(xs.length);
    var many = this.data.outputs && this.data.outputs.length > 1 ? this.data.outputs : null;
    if (slot < 0 && !many) throw new Error("predict: the program has no model output");
    var vals = new Array(size), locs = new Array(this.nodes.length);
    for (var i = 0; i < xs.length; i++) {
      this.forwardRow(params, xs[i].concat([0]), vals, locs);
      out[i] = many ? many.map(function (s) { return vals[s]; }) : vals[slot];
    }
    return out;
  };

  /* The optimizers of optim.py: make(settings) -> an object with step(params, grads). */
  function optimizer(s, count) {
    var lr = s.lr, wd = s.weight_decay || 0, kind = s.optimizer || "sgd";
    var state = { t: 0, velocity: null, m: new Array(count).fill(0), v: new Array(count).fill(0) };
    if (!(lr > 0) || !finite(lr)) throw new Error("lr must be a finite number > 0, got " + lr);
    function step(params, grads) {
      var n = params.length, k, changes = new Array(n), next = {};
      for (k = 0; k < n; k++) {
        if (!finite(grads[k])) throw new Diverged("gradient of parameter " + k + " is " + grads[k]);
      }
      if (wd) grads = grads.map(function (gk, i) { return gk + wd * params[i]; });
      var t = state.t + 1;
      if (kind === "adam") {
        var b1 = s.betas[0], b2 = s.betas[1], eps = s.eps === undefined ? 1e-8 : s.eps;
        next.m = []; next.v = [];
        for (k = 0; k < n; k++) {
          next.m.push(b1 * state.m[k] + (1 - b1) * grads[k]);
          next.v.push(b2 * state.v[k] + (1 - b2) * grads[k] * grads[k]);
        }
        var stepSize = lr / (1 - Math.pow(b1, t));
        var correction = Math.sqrt(1 - Math.pow(b2, t));
        for (k = 0; k < n; k++) {
          changes[k] = stepSize * (next.m[k] / (Math.sqrt(next.v[k]) / correction + eps));
        }
      } else if (kind === "momentum" && s.momentum) {
        var mu = s.momentum;
        next.velocity = [];
        for (k = 0; k < n; k++) {
          var vk = state.velocity === null ? grads[k] : mu * state.velocity[k] + grads[k];
          next.velocity.push(vk);
          changes[k] = lr * vk;
        }
      } else if (kind === "sgd" || kind === "momentum") {
        for (k = 0; k < n; k++) changes[k] = lr * grads[k];
      } else {
        throw new Error("unknown optimizer " + JSON.stringify(String(kind)) + "; choose sgd, momentum or adam");
      }
      var updated = new Array(n);
      for (k = 0; k < n; k++) {
        updated[k] = params[k] - changes[k];
        if (!finite(updated[k])) throw new Diverged("the update of parameter " + k + " gives " + updated[k]);
      }
      Object.keys(next).forEach(function (key) { state[key] = next[key]; });
      state.t = t;
      return updated;
    }
    return { step: step, state: state };
  }

  /* Train as fit(...) does (no shuffle): `settings` {lr, optimizer, momentum, betas, eps,
     weight_decay, batch_size (null: full batch), epochs}; `init` the initial parameters
     (default: the program's), `rows` the data (default: the program's). Returns
     {losses, params, batches, stopped}: every step's loss, the final parameters, per batch
     {epoch, batch, rows, loss, before, grads, after, saved} and why training stopped early. */
  function train(data, settings, init, rows) {
    var program = data instanceof Program ? data : new Program(data);
    rows = rows || program.data.rows;
    var params = (init || program.data.init).slice();
    var opt = optimizer(settings, params.length);
    var n = rows.length;
    var size = settings.batch_size === null || settings.batch_size === undefined ? n : settings.batch_size;
    if (!(size >= 1) || Math.floor(size) !== size) throw new Error("batch_size must be a whole number >= 1 or null, got " + size);
    var epochs = settings.epochs === undefined ? 1 : settings.epochs;
    if (!(epochs >= 0) || Math.floor(epochs) !== epochs) throw new Error("epochs must be a whole number >= 0, got " + epochs);
    var batches = [], start, i;
    for (start = 0; start < n; start += size) {
      var b = [];
      for (i = start; i < Math.min(start + size, n); i++) b.push(i);
      batches.push(b);
    }
    var losses = [], records = [], stopped = null;
    outer:
    for (var epoch = 1; epoch <= epochs; epoch++) {
      for (var bi = 0; bi < batches.length; bi++) {
        var feed = batches[bi].map(function (r) { return rows[r]; });
        try {
          var result = program.batch(params, feed);
          var after = opt.step(params, result.grads);
        } catch (e) {
          if (!(e instanceof Diverged)) throw e;
          stopped = "stopped at epoch " + epoch + ", batch " + (bi + 1) + ": " + e.message;
          // as fit: a loss that is not finite takes back the update that made it, so the
          // parameters are those that gave the last finite loss
          if (e.forward && records.length) params = records[records.length - 1].before;
          break outer;
        }
        losses.push(result.loss);
        records.push({ epoch: epoch, batch: bi + 1, rows: batches[bi], loss: result.loss,
                       before: params, grads: result.grads, after: after, saved: result.rows });
        params = after;
      }
    }
    return { losses: losses, params: params, batches: records, stopped: stopped };
  }

  var api = { rules: rules, apply: apply, Program: Program, train: train, optimizer: optimizer };
  root.MGEngine = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);

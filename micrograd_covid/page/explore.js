/* The explore page: steps are data applied to one Graphviz drawing per graph shape.
   Everything shown comes from the recorded numbers; nothing here fetches anything. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("explore-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var PHASE_NAMES = {
    init: "initialise", feed: "feed the batch", forward: "forward",
    loss: "loss", backward: "backward", update: "update"
  };
  var MAX_LINES = 12;

  // --- numbers ---------------------------------------------------------------------------
  function strip(s) {
    if (s.indexOf("e") >= 0) {
      var parts = s.split("e");
      return strip(parts[0]) + "e" + (parts[1][0] === "-" ? "-" : "+") + parts[1].replace(/^[+-]/, "");
    }
    return s.indexOf(".") >= 0 ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
  }
  function minus(s) { return s.replace(/-/g, "\u2212"); }
  // Text: 7 significant digits (4.477456, 2089.581); the drawing: 4 (4.477).
  function f7(x) {
    if (x === 0) return "0";
    var a = Math.abs(x);
    var s = (a >= 1e-5 && a < 1e9) ? strip(x.toPrecision(7)) : strip(x.toExponential(6));
    return minus(s);
  }
  function f4(x) {
    if (x === 0) return "0";
    var a = Math.abs(x);
    var s = (a >= 1e-4 && a < 1e6) ? strip(x.toPrecision(4)) : strip(x.toExponential(3));
    return minus(s);
  }
  function numLatex(s) {
    var m = /^(\u2212?[0-9.]+)e([+\u2212-])([0-9]+)$/.exec(s);
    if (m) s = m[1] + "\\times 10^{" + (m[2] === "+" ? "" : "-") + m[3] + "}";
    return s.replace(/\u2212/g, "-");
  }

  // --- the layouts: derived tables ---------------------------------------------------------
  var layouts = D.layouts.map(derive);
  function derive(L, li) {
    var n = L.names.length, off = [], e = 0, fwd = [], drawn = [], pindex = [];
    for (var k = 0; k < n; k++) {
      off.push(e); e += L.inputs[k].length;
      if (L.kinds[k] === "o" && k !== n - 1) fwd.push(k);
      pindex.push(L.kinds[k] === "p" ? drawn.length : -1);
      if (L.kinds[k] === "p") drawn.push(k);
    }
    var bwd = [];
    for (k = n - 1; k >= 0; k--) if (L.kinds[k] === "o") bwd.push(k);
    // the parameters as the side panel lists them: in the order the run was given them
    // (an MLP's L0 before L1), not the order the graph happens to reach them
    var listed = drawn.slice().sort(function (a, b) { return L.params[a] - L.params[b]; });
    var fwdPos = new Array(n).fill(-1);
    fwd.forEach(function (k, i) { fwdPos[k] = i; });
    var neuronAt = {}, splitAt = {}, bwdPos = {};
    if (L.net) L.net.neurons.forEach(function (nr) { neuronAt[nr.k] = nr; });
    (L.split || []).forEach(function (sp) { splitAt[sp.k] = sp; });
    bwd.forEach(function (k2, i) { bwdPos[k2] = i; });
    return { L: L, n: n, off: off, edges: e, fwd: fwd, bwd: bwd, fwdPos: fwdPos, neuronAt: neuronAt, splitAt: splitAt, bwdPos: bwdPos,
             drawn: drawn, listed: listed, pindex: pindex, root: n - 1, svg: null, nodes: [], edgeEls: [], li: li };
  }

  // --- the steps ---------------------------------------------------------------------------
  var steps = [], inner = [];
  var epochs = 0, batchesPerEpoch = D.batchCount || 1;
  // The steps of D.batches (again after a re-training replaced them)
  function buildSteps() {
    steps = []; inner = []; epochs = 0;
    D.batches.forEach(function (B, bi) {
      var lay = layouts[B.l];
      epochs = Math.max(epochs, B.e);
      B.p.forEach(function (phase) {
        var ks;
        if (phase === "forward") ks = lay.fwd;
        else if (phase === "backward") ks = lay.bwd;
        else if (phase === "loss") ks = [lay.root];
        else ks = [-1];
        ks.forEach(function (k, pos) { addStep(phase, bi, k, pos); });
      });
    });
    Object.freeze(steps);
  }
  function addStep(phase, bi, k, pos) {
    var B = D.batches[bi], lay = layouts[B.l], i = steps.length;
    var step = { phase: phase, epoch: B.e, batch: B.b, node: k >= 0 ? lay.L.names[k] : null };
    Object.defineProperty(step, "text", {
      enumerable: true, get: function () { return plainText(explain(i)); }
    });
    Object.freeze(step);
    steps.push(step);
    inner.push({ phase: phase, bi: bi, k: k, pos: pos });
  }
  buildSteps();

  // --- formulas: tokens to LaTeX and to plain text -----------------------------------------
  var LATEX_CHARS = { "\u00b7": "\\cdot ", "\u2212": "-", "\u00b2": "^{2}", "\u22ef": "\\cdots ",
                      "\u00d7": "\\times ", "\u2192": "\\to ", "\u03b7": "\\eta ", "\u2202": "\\partial ",
                      "\u2032": "'" };
  var FN = { exp: "\\exp", ln: "\\ln", tanh: "\\tanh", sinh: "\\sinh", cosh: "\\cosh",
             "\u03c3": "\\sigma", relu: "\\operatorname{relu}" };
  function texText(s) {
    return "\\text{" + s.replace(/[\\{}$&#^_~%]/g, function (c) {
      return { "\\": "\\textbackslash{}", "^": "\\textasciicircum{}", "~": "\\textasciitilde{}" }[c] || "\\" + c;
    }) + "}";
  }
  function latexChars(s) {
    var out = "";
    for (var i = 0; i < s.length; i++) out += LATEX_CHARS[s[i]] || s[i];
    return out;
  }
  // Render tokens for node values of batch B in layout lay: [latex, plain].
  function render(tokens, lay, B) {
    var tex = "", txt = "";
    function num(x) {
      var s = f7(x);
      var prev = txt.replace(/\s+$/, "");
      var wrap = x < 0 && /[+\u2212\u00b7\u00d7\/^]$/.test(prev);
      tex += wrap ? "(" + numLatex(s) + ")" : numLatex(s);
      txt += wrap ? "(" + s + ")" : s;
    }
    tokens.forEach(function (t) {
      if (typeof t === "string") { tex += latexChars(t); txt += t; return; }
      switch (t[0]) {
        case "n": tex += "{" + lay.L.latex[t[1]] + "}"; txt += lay.L.names[t[1]]; break;
        case "v": num(B.v[t[1]]); break;
        case "x": num(t[1]); break;
        case "k": num((B.k[String(t[1])] || [])[t[2]]); break;
        case "t": case "s":  // an activation's slope at node t[1]'s value
          var v = B.v[t[1]], tanh = t[0] === "t";
          if (tanh ? Math.abs(v) < 0.999 : v > 0.001 && v < 0.999) {
            if (tanh) { tex += "1 - "; txt += "1 \u2212 "; num(v); tex += "^{2}"; txt += "\u00b2"; }
            else { num(v); tex += "(1 - "; txt += "(1 \u2212 "; num(v); tex += ")"; txt += ")"; }
          } else {
            var sl = f4(tanh ? 1 - v * v : v * (1 - v));
            tex += numLatex(sl); txt += sl;
          }
          break;
        case "f": tex += FN[t[1]] || "\\operatorname{" + texText(t[1]) + "}"; txt += t[1]; break;
        case "^":
          var r = render(t[1], lay, B);
          tex += "^{" + r[0] + "}"; txt += r[1].length > 1 ? "^(" + r[1] + ")" : "^" + r[1];
          break;
        default: break;
      }
    });
    return [tex, txt];
  }
  function hasData(tokens) {
    return tokens.some(function (t) {
      return Array.isArray(t) && (t[0] === "v" || t[0] === "n" || t[0] === "k" || t[0] === "t" || t[0] === "s" ||
        (t[0] === "^" && hasData(t[1])));
    });
  }
  function partial(lay, a, b, rootName) {
    var top = a < 0 ? rootName : lay.L.latex[a], topTxt = a < 0 ? rootName : lay.L.names[a];
    return ["\\partial {" + top + "}/\\partial {" + lay.L.latex[b] + "}",
            "\u2202" + topTxt + "/\u2202" + lay.L.names[b]];
  }

  // --- gradients: replay the chain rule from the recorded local partials --------------------
  function gradients(lay, B, upto) {
    var g = new Float64Array(lay.n), has = new Uint8Array(lay.n);
    g[lay.root] = 1; has[lay.root] = 1;
    for (var s = 0; s < upto && s < lay.bwd.length; s++) {
      var k = lay.bwd[s], up = g[k], off = lay.off[k], ins = lay.L.inputs[k];
      for (var j = 0; j < ins.length; j++) { g[ins[j]] += B.d[off + j] * up; has[ins[j]] = 1; }
    }
    return { g: g, has: has };
  }
  function phaseIndex(p) { return ["init", "feed", "forward", "loss", "backward", "update"].indexOf(p); }
  function state(i) {
    var S = inner[i], B = D.batches[S.bi], lay = layouts[B.l], pi = phaseIndex(S.phase);
    var upto = pi < 4 ? 0 : (pi === 4 ? S.pos + 1 : lay.bwd.length);
    var gr = pi >= 4 ? gradients(lay, B, upto) : null;
    return { S: S, B: B, lay: lay, pi: pi, gr: gr };
  }
  function known(st, k) {
    var kind = st.lay.L.kinds[k];
    if (kind === "p" || kind === "c") return true;
    if (kind === "i") return st.pi >= 1;
    if (st.pi >= 3) return true;
    return st.pi === 2 && st.lay.fwdPos[k] >= 0 && st.lay.fwdPos[k] <= st.S.pos;
  }

  // --- explanations ------------------------------------------------------------------------
  function T(s) { return { t: s }; }
  function M(pair) { return { m: pair[0], p: pair[1] }; }
  function eq(parts) {  // join [latex, plain] pairs with " = "
    return [parts.map(function (p) { return p[0]; }).join(" = "),
            parts.map(function (p) { return p[1]; }).join(" = ")];
  }
  function nm(lay, k) { return [lay.L.latex[k], lay.L.names[k]]; }
  function nv(x) { var s = f7(x); return [numLatex(s), s]; }
  function more(count, what) {
    return count > 0 ? [{ t: "\u2026 and " + count + " more " + what + " (on the graph).", cls: "more" }] : [];
  }
  // What the generated names of a step stand for: "where t1 = (L2.n0 − y)²".
  function whereNames(lay, ks, skip) {
    var out = [];
    ks.forEach(function (k) {
      if (k === skip || !generated(lay.L.names[k])) return;
      var def = definition(lay, k);
      if (def) out.push([T("where "), M([lay.L.latex[k] + " = " + def[0], lay.L.names[k] + " = " + def[1]]), T(" (a name the page gave the unnamed node)")]);
    });
    return out.slice(0, 3);
  }
  // A neuron's backward step as a network reads it: δ = ∂L/∂z, then each weight's gradient
  // δ·x (upstream × local), the numbers on its weight edges at the neuron level.
  var SLOPE_TEXT = { tanh: ["1 - a^{2}", "1 \u2212 a\u00b2"], sigmoid: ["a(1 - a)", "a(1 \u2212 a)"],
                     relu: ["[z > 0]", "[z > 0]"], linear: ["1", "1"] };
  function neuronParas(lay, B, k, up, rootTex, rootName) {
    var nr = lay.neuronAt[k];
    if (!nr) return [];
    var slope = SLOPE[nr.act](B.v[k]), delta = up * slope, st = SLOPE_TEXT[nr.act];
    var out = [[T("As a neuron " + baseName(lay.L.names[k]) + " = a(z), z = w\u00b7x + b: "),
      M(["\\delta = \\partial " + rootTex + "/\\partial z = \\partial " + rootTex + "/\\partial a \\cdot a'(z) = (" +
         numLatex(f7(up)) + ")(" + numLatex(f7(slope)) + ") = " + numLatex(f7(delta)),
         "\u03b4 = \u2202" + rootName + "/\u2202z = \u2202" + rootName + "/\u2202a \u00b7 a\u2032(z) = (" + f7(up) + ")(" + f7(slope) + ") = " + f7(delta)]),
      T(", with a\u2032(z) = "), M(st), T("; each weight's gradient is \u03b4 \u00d7 the input it multiplies:")]];
    nr.w.slice(0, 6).forEach(function (we, i) {
      var w = lay.L.inputs[k][i], x = nr.x[i] >= 0 ? B.v[nr.x[i]] : (B.k[String(k)] || [])[nr.w.length + i];
      if (x === undefined) return;
      var gw = partial(lay, -1, w, rootTex), gt = partial(lay, -1, w, rootName);
      out.push({ cls: "edge-line", items: [M([gw[0] + " \\mathrel{+}= \\delta\\cdot " + (nr.x[i] >= 0 ? "{" + lay.L.latex[nr.x[i]] + "}" : "x") + " = (" + numLatex(f7(delta)) + ")(" + numLatex(f7(x)) + ") = " + numLatex(f7(delta * x)),
        gt[1] + " += \u03b4\u00b7" + (nr.x[i] >= 0 ? lay.L.names[nr.x[i]] : "x") + " = (" + f7(delta) + ")(" + f7(x) + ") = " + f7(delta * x)])] });
    });
    if (nr.w.length > 6) out.push([{ t: "\u2026 and " + (nr.w.length - 6) + " more weights (on the graph).", cls: "more" }]);
    return out;
  }
  function explain(i) {
    var paras = explainStep(i), st = state(i), S = st.S, lay = st.lay;
    if (S.k >= 0) {
      var skip = S.phase === "forward" || S.phase === "loss" ? S.k : -1;
      paras = paras.concat(whereNames(lay, [S.k].concat(lay.L.inputs[S.k]), skip));
    }
    return paras;
  }
  function explainStep(i) {
    var st = state(i), S = st.S, B = st.B, lay = st.lay, L = lay.L, paras = [];
    var rootName = L.names[lay.root], rootTex = L.latex[lay.root];
    if (S.phase === "init") {
      paras.push([T("Initialise the parameters: each gets its first value, once, before the first batch.")]);
      lay.listed.slice(0, MAX_LINES).forEach(function (k) { paras.push([M(eq([nm(lay, k), nv(B.v[k])]))]); });
      paras.push(more(lay.drawn.length - MAX_LINES, "parameters"));
    } else if (S.phase === "feed") {
      var rows = B.r.map(function (r) { return r + 1; });
      var head = B.b === 1 && B.e > 1 ? "Epoch " + B.e + " begins: the same rows again, with the parameters learned so far. " : "";
      paras.push([T(head + "Feed batch " + B.b + " of " + batchesPerEpoch + ": row" + (rows.length > 1 ? "s " : " ") +
        rows.join(", ") + " of the data fill" + (rows.length > 1 ? "" : "s") + " the placeholders.")]);
      var feeds = [];
      for (var k = 0; k < lay.n; k++) if (L.kinds[k] === "i") feeds.push(k);
      feeds.slice(0, MAX_LINES).forEach(function (k) { paras.push([M(eq([nm(lay, k), nv(B.v[k])]))]); });
      paras.push(more(feeds.length - MAX_LINES, "placeholders"));
    } else if (S.phase === "forward" || S.phase === "loss") {
      var r = render(L.fwd[S.k], lay, B);
      if (S.phase === "loss") {
        paras.push([T("The loss " + rootName + " measures how far the prediction is from the target:")]);
      } else {
        paras.push([T("Forward: " + L.names[S.k] + " is computed from its inputs.")]);
      }
      paras.push([M(r)]);
      var sp = lay.splitAt[S.k];
      if (sp && S.phase === "forward") {
        var z = zValue(sp, B), fn = ACT_FN[sp.act];
        paras.push([T("In two steps, as the node level draws it: the dot node "),
          M(["z = w\\cdot x + b = " + numLatex(f7(z)), "z = w\u00b7x + b = " + f7(z)]), T(", then the activation "),
          M([L.latex[S.k] + " = " + (FN[fn] || fn) + "(z) = " + (FN[fn] || fn) + "(" + numLatex(f7(z)) + ") = " + numLatex(f7(B.v[S.k])),
             L.names[S.k] + " = " + fn + "(z) = " + fn + "(" + f7(z) + ") = " + f7(B.v[S.k])]), T(".")]);
      }
      if (L.origins && L.origins[S.k]) paras.push([T(L.names[S.k] + " was made at " + L.origins[S.k] + ".")]);
      if (S.phase === "loss") paras.push([T("It goes on the loss chart: " + rootName + " = " + f7(B.v[S.k]) + ".")]);
    } else if (S.phase === "backward") {
      var k0 = S.k, before = gradients(lay, B, S.pos), after = st.gr;
      var up = before.g[k0], ins = L.inputs[k0];
      if (k0 === lay.root) {
        paras.push([T("Backward starts at the loss: "), M(["\\partial {" + rootTex + "}/\\partial {" + rootTex + "} = 1", "\u2202" + rootName + "/\u2202" + rootName + " = 1"]),
          T(". Along each edge, the input's gradient grows by upstream gradient \u00d7 local partial (the numbers on the edges).")]);
      } else {
        var pg = partial(lay, -1, k0, rootTex), pgt = partial(lay, -1, k0, rootName);
        paras.push([T("Backward: the gradient of " + L.names[k0] + " is complete, "),
          M([pg[0] + " = " + numLatex(f7(up)), pgt[1] + " = " + f7(up)]),
          T(" (every node computed from it has passed its share back). It passes it on to its " +
            ins.length + " input" + (ins.length > 1 ? "s" : "") + ":")]);
      }
      paras = paras.concat(neuronParas(lay, B, k0, up, rootTex, rootName));
      ins.slice(0, MAX_LINES).forEach(function (inp, j) {
        var local = B.d[lay.off[k0] + j], tpl = L.loc[k0][j] || [];
        var parts = [partial(lay, k0, inp, rootTex)];
        if (tpl.length) {
          var rr = render(tpl, lay, B), last = rr[1].split(" = ").pop();
          parts.push(rr);
          // the value, unless the formula already ends with it (x1 = 4, 1)
          if (last !== f7(local) && (hasData(tpl) || rr[1] !== f7(local))) parts.push(nv(local));
        } else {
          parts.push(nv(local));
        }
        var g0 = before.g[inp], g1 = after.g[inp];
        var grad = partial(lay, -1, inp, rootTex), gradT = partial(lay, -1, inp, rootName);
        var acc = [grad[0] + " = " + numLatex(f7(g0)) + " + (" + numLatex(f7(up)) + ")(" + numLatex(f7(local)) + ") = " + numLatex(f7(g1)),
                   gradT[1] + " = " + f7(g0) + " + (" + f7(up) + ")(" + f7(local) + ") = " + f7(g1)];
        var lp = eq(parts);
        lp[1] = lp[1].replace(/^\u2202/, "\u2202");
        paras.push({ cls: "edge-line", items: [T("local partial "), M(lp), T("; "), M(acc)] });
      });
      paras.push(more(ins.length - MAX_LINES, "edges"));
      if (L.origins && L.origins[k0]) paras.push([T(L.names[k0] + " was made at " + L.origins[k0] + ".")]);
    } else if (S.phase === "update") {
      var opt = D.optimizer || { name: "SGD", lr: 0, sgd: true };
      if (opt.sgd) {
        paras.push([T("Update (SGD, learning rate "), M(["\\eta = " + numLatex(f7(opt.lr)), "\u03b7 = " + f7(opt.lr)]),
          T("): every parameter takes a step against its gradient.")]);
      } else {
        paras.push([T("Update (" + opt.name + ", learning rate " + f7(opt.lr) + "): each parameter moves by the optimizer's step \u0394.")]);
      }
      var all = gradients(lay, B, lay.bwd.length);
      lay.listed.slice(0, MAX_LINES).forEach(function (k) {
        var old = B.v[k], neu = B.u[lay.pindex[k]], n0 = nm(lay, k), g = all.g[k];
        var grad = partial(lay, -1, k, rootTex), gradT = partial(lay, -1, k, rootName);
        if (opt.sgd) {
          paras.push([M([
            n0[0] + "' = " + n0[0] + " - \\eta\\cdot " + grad[0] + " = " + numLatex(f7(old)) + " - " + numLatex(f7(opt.lr)) + "\\cdot(" + numLatex(f7(g)) + ") = " + numLatex(f7(neu)),
            n0[1] + "\u2032 = " + n0[1] + " \u2212 \u03b7\u00b7" + gradT[1] + " = " + f7(old) + " \u2212 " + f7(opt.lr) + "\u00b7(" + f7(g) + ") = " + f7(neu)])]);
        } else {
          var delta = old - neu;
          paras.push([M([
            n0[0] + "' = " + n0[0] + " - \\Delta = " + numLatex(f7(old)) + " - (" + numLatex(f7(delta)) + ") = " + numLatex(f7(neu)),
            n0[1] + "\u2032 = " + n0[1] + " \u2212 \u0394 = " + f7(old) + " \u2212 (" + f7(delta) + ") = " + f7(neu)])]);
        }
      });
      paras.push(more(lay.drawn.length - MAX_LINES, "parameters"));
      if (D.stopped && S.bi === D.batches.length - 1) paras.push([{ t: "Training " + D.stopped, cls: "stopped" }]);
    }
    return paras;
  }
  function items(para) { return Array.isArray(para) ? para : para.items; }
  function plainText(paras) {
    return paras.map(function (p) {
      return items(p).map(function (it) { return it.m !== undefined ? it.p : it.t; }).join("");
    }).filter(function (s) { return s.length; }).join("\n");
  }
  function show(paras, box) {
    box.textContent = "";
    paras.forEach(function (p) {
      var list = items(p);
      if (!list.length) return;
      var el = document.createElement("p");
      if (!Array.isArray(p) && p.cls) el.className = p.cls;
      list.forEach(function (it) {
        if (it.m !== undefined) {
          var span = document.createElement("span");
          span.className = "math";
          span.setAttribute("role", "math");
          span.setAttribute("aria-label", it.p);
          if (window.katex) {
            window.katex.render(it.m, span, { throwOnError: false, strict: "ignore", output: "html" });
          } else {
            span.textContent = it.p;
          }
          el.appendChild(span);
        } else {
          if (it.cls) el.className = it.cls;
          el.appendChild(document.createTextNode(it.t));
        }
      });
      box.appendChild(el);
    });
  }

  // --- the drawings ------------------------------------------------------------------------
  // A view is one Graphviz drawing of a layout: its node level (every node), or its neuron
  // level (one box per neuron, an edge per weight, one sample's network). Each box and edge
  // of a view shows one or more of the layout's nodes and edges.
  var pane = document.getElementById("graph");
  var level = "node", sample = 0, opened = null;
  function marker(defs, id, colour, back) {
    var m = document.createElementNS(SVGNS, "marker");
    m.setAttribute("id", id);
    m.setAttribute("viewBox", "0 0 10 10");
    m.setAttribute("refX", back ? "10" : "0");
    m.setAttribute("refY", "5");
    m.setAttribute("markerWidth", "9");
    m.setAttribute("markerHeight", "9");
    m.setAttribute("markerUnits", "userSpaceOnUse");
    m.setAttribute("orient", back ? "auto-start-reverse" : "auto");
    var p = document.createElementNS(SVGNS, "path");
    p.setAttribute("d", "M0,0 L10,5 L0,10 z");
    p.setAttribute("fill", colour);
    m.appendChild(p);
    defs.appendChild(m);
  }
  // Each view's own ids (the node and neuron levels' drawings both have a node-n8)
  function idsOf(svg) {
    var ids = {};
    svg.querySelectorAll("g[id]").forEach(function (el) { ids[el.id] = el; });
    return ids;
  }
  // The name a generated node stands for (t27 = L1.n3 · L2.n0.w3): its forward formula.
  function definition(lay, k) {
    var f = lay.L.fwd[k];
    if (!f) return null;
    var cut = f.indexOf(" = ", 2);
    var B0 = null;
    D.batches.forEach(function (B) { if (!B0 && B.l === lay.li) B0 = B; });
    return B0 ? render(f.slice(2, cut < 0 ? f.length : cut), lay, B0) : null;
  }
  function generated(name) { return /^[tc]\d+(#\d+)?$/.test(name); }
  function makeView(lay, div, kind, uid) {
    var svg = div.querySelector("svg"), L = lay.L, net = L.net;
    // one sample's drawing: its boxes and edges by the ids the page was given
    var map = kind === "neuron" ? net : L.nodeView;
    var V = { lay: lay, kind: kind, div: div, svg: svg, uid: uid,
              width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height,
              boxOf: [], boxes: [], edgeOf: [], edges: [], labels: null, placedBoxes: null,
              mapped: !!map };
    svg.removeAttribute("width"); svg.removeAttribute("height");
    var defs = document.createElementNS(SVGNS, "defs");
    marker(defs, "fwd" + uid, "#777", false); marker(defs, "fwd-on" + uid, "#D62728", false);
    marker(defs, "back" + uid, "#777", true); marker(defs, "back-on" + uid, "#D62728", true);
    svg.insertBefore(defs, svg.firstChild);
    svg.querySelectorAll("a").forEach(function (a) {
      a.removeAttribute("xlink:title"); a.removeAttributeNS("http://www.w3.org/1999/xlink", "title");
      a.removeAttribute("title");
    });
    var byTitle = {}, pairs = {};
    if (!map) {
      svg.querySelectorAll("g.node").forEach(function (g) {
        var t = g.querySelector("title");
        if (t) byTitle[t.textContent] = g;
      });
      svg.querySelectorAll("g.edge").forEach(function (g) {
        var t = g.querySelector("title");
        if (!t) return;
        var key = t.textContent.replace("->", ">");
        (pairs[key] = pairs[key] || []).push(g);
      });
    }
    var records = new Map(), k, e = 0, used = {}, ids = idsOf(svg);
    function byId(_svg, id) { return (id && ids[id]) || null; }
    var cores = {};
    if (net) net.neurons.forEach(function (nr) { cores[nr.k] = nr; });
    for (k = 0; k < lay.n; k++) {
      var g = !map ? (byId(svg, "node-n" + k) || byTitle["n" + k] || null) : byId(svg, map.boxes[k]);
      V.boxOf.push(g);
      if (!g) continue;
      var rec = records.get(g);
      if (!rec) {
        rec = { el: g, texts: g.querySelectorAll("text"), main: {}, named: {}, neuron: false };
        records.set(g, rec);
        V.boxes.push(rec);
      }
      var s = map && map.samples[k] >= 0 ? map.samples[k] : "all";
      if (rec.main[s] === undefined || k > rec.main[s]) rec.main[s] = k;
      if (cores[k] && kind === "neuron") { rec.neuron = true; rec.named[s] = k; }
    }
    V.boxes.forEach(function (rec) {
      var first = rec.named[0] !== undefined ? rec.named[0] : (rec.named.all !== undefined ? rec.named.all : mainOf(rec, 0));
      rec.el.setAttribute("data-node", L.names[first]);
      rec.line0 = rec.texts[0] ? rec.texts[0].textContent : "";
      rec.name0 = baseName(L.names[first]);
      rec.el.classList.add("box");
      // a tooltip: what the box is; a generated name says what it stands for
      var tip = document.createElementNS(SVGNS, "title"), name = L.names[first], def = definition(lay, first);
      tip.textContent = name + (def && generated(name) ? " = " + def[1] : "");
      // inside the box's link, after Graphviz's own <title> (the node's DOT id)
      var holder = rec.el.querySelector("a") || rec.el;
      holder.insertBefore(tip, holder.firstChild);
      rec.tip = tip;
      if (rec.neuron) {
        rec.el.addEventListener("click", function () { if (!moved) api.open(L.names[rec.named[sample] !== undefined ? rec.named[sample] : first]); });
      }
    });
    var erecs = new Map();
    for (k = 0; k < lay.n; k++) {
      L.inputs[k].forEach(function (inp) {
        var el = null;
        if (!map) {
          el = byId(svg, "edge-" + e);
          if (!el) {
            var key = "n" + inp + ">n" + k, list = pairs[key] || [];
            used[key] = (used[key] || 0) + 1;
            el = list[used[key] - 1] || null;
          }
        } else {
          el = byId(svg, map.edges[e]);
        }
        var er = null;
        if (el) {
          er = erecs.get(el);
          if (!er) {
            er = { el: el, path: el.querySelector("path"), state: "", weight: -1 };
            erecs.set(el, er);
            V.edges.push(er);
          }
        }
        V.edgeOf.push(er);
        e += 1;
      });
    }
    // a neuron a(w·x + b) drawn as two boxes at the node level: its z = w·x + b (the box the
    // neuron's inputs go into) and a(z), joined by an edge of its own
    V.zOf = {}; V.zboxes = [];
    if (kind === "node") {
      (L.split || []).forEach(function (sp) {
        var a = V.boxOf[sp.k], zel = a && ids[a.id + "z"];
        if (!zel) return;
        var zr = V.zboxes.filter(function (r) { return r.el === zel; })[0];
        if (!zr) {
          var zedge = ids["edge-" + a.id.replace(/^node-/, "") + "z"];
          zr = { el: zel, texts: zel.querySelectorAll("text"), main: {}, er: null };
          zel.classList.add("box");
          zel.querySelectorAll("title").forEach(function (t) { t.remove(); });
          zr.tip = document.createElementNS(SVGNS, "title");
          (zel.querySelector("a") || zel).insertBefore(zr.tip, (zel.querySelector("a") || zel).firstChild);
          if (zedge) {
            zr.er = { el: zedge, path: zedge.querySelector("path"), state: "", weight: -1 };
            V.edges.push(zr.er);
          }
          V.zboxes.push(zr);
        }
        zr.main[map && map.samples[sp.k] >= 0 ? map.samples[sp.k] : "all"] = sp.k;
        V.zOf[sp.k] = zr;
      });
    }
    if (kind === "neuron") {
      net.neurons.forEach(function (nr) {
        nr.w.forEach(function (we, i) {
          var er = V.edgeOf[we];
          if (er) { er.weight = L.inputs[nr.k][i]; er.el.classList.add("weight"); }
        });
      });
    }
    // Points along each edge, the middle first: a label goes at the first one where it is
    // clear. Read now while nothing is pending: read after a change, every call would lay
    // the whole graph out again.
    V.edges.forEach(function (er) {
      if (!er.path) { er.mids = null; return; }
      var len = er.path.getTotalLength();
      er.mids = [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85, 0.1, 0.9].map(function (f) {
        var p = er.path.getPointAtLength(len * f);
        return { x: p.x, y: p.y };
      });
      // the whole edge, coarsely, to keep a label off every other edge
      er.trace = [];
      var count = kind === "node" ? Math.min(200, Math.max(40, Math.ceil(len / 8))) : 40;  // every 8 units
      // how far the polyline may stray from the curve between two of its points
      er.slack = Math.min(12, len / count / 4);
      for (var q = 0; q <= count; q++) {
        var p = er.path.getPointAtLength(len * q / count);
        er.trace.push({ x: p.x, y: p.y });
      }
      er.bbox = {
        x0: Math.min.apply(null, er.trace.map(function (t) { return t.x; })),
        x1: Math.max.apply(null, er.trace.map(function (t) { return t.x; })),
        y0: Math.min.apply(null, er.trace.map(function (t) { return t.y; })),
        y1: Math.max.apply(null, er.trace.map(function (t) { return t.y; }))
      };
    });
    if (kind === "node") fitting(V);
    V.labels = document.createElementNS(SVGNS, "g");
    V.labels.setAttribute("class", "elabels");
    (svg.querySelector("g.graph") || svg).appendChild(V.labels);
    // the smallest text of the view, in graph units: the zoom keeps it at 12 px or more
    var sizes = [].map.call(svg.querySelectorAll("g.node text"), function (t) { return Number(t.getAttribute("font-size")) || 14; });
    V.minFont = sizes.length ? Math.min.apply(null, sizes) : 14;
    return V;
  }
  // --- boxes sized to their text ---------------------------------------------------------
  // Graphviz sizes a box for every line it will ever show (the value, the gradient, the value
  // before the update); a step shows fewer. Each step the page shrinks the box to the lines it
  // shows, about its centre (never beyond Graphviz's box, so the layout stays valid), and
  // carries the edges on to its new border.
  var TEXT_PAD = 2, SIDE_PAD = 8;
  var measure = document.createElement("canvas").getContext("2d"), widths = new Map();
  function textWidth(str, font) {
    var key = font + "|" + str, w = widths.get(key);
    if (w === undefined) {
      measure.font = font;
      w = measure.measureText(str).width;
      if (widths.size > 5000) widths.clear();  // bounded: the strings of a few steps
      widths.set(key, w);
    }
    return w;
  }
  function numbers(d) { return (d.match(/-?[0-9.]+(e-?[0-9]+)?/g) || []).map(Number); }
  function fitting(V) {
    var recs = V.boxes.concat(V.zboxes), all = [];
    recs.forEach(function (rec) {
      var shape = rec.el.querySelector("path");
      if (!shape || !rec.texts.length) return;
      var nums = numbers(shape.getAttribute("d")), xs = [], ys = [];
      for (var i = 0; i + 1 < nums.length; i += 2) { xs.push(nums[i]); ys.push(nums[i + 1]); }
      var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
      rec.shape = shape;
      rec.orig = { x: x0, y: y0, w: x1 - x0, h: y1 - y0, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 };
      rec.ends = [];
      rec.fit = "";
      // each line centred in the box (Graphviz starts some at its own estimate of the
      // width, which the browser's font overruns)
      rec.texts.forEach(function (t) { t.setAttribute("text-anchor", "middle"); t.setAttribute("x", rec.orig.cx.toFixed(2)); });
      // the lines' pitch and where a baseline sits in its line, as Graphviz set them (the
      // rows centred in the box)
      var lineYs = [].map.call(rec.texts, function (t) { return Number(t.getAttribute("y")); });
      var size = Number(rec.texts[0].getAttribute("font-size")) || 14;
      rec.pitch = lineYs.length > 1 ? lineYs[1] - lineYs[0] : size + 5;
      rec.base = lineYs[0] - rec.orig.y - (rec.orig.h - lineYs.length * rec.pitch) / 2;
      var t0 = rec.texts[0];  // the font Graphviz measured with
      rec.font = (t0.getAttribute("font-size") || "14") + "px " + (t0.getAttribute("font-family") || "Helvetica,sans-Serif");
      all.push(rec);
    });
    // each edge's ends: the box whose border it starts on, the box its arrow points into
    V.edges.forEach(function (er) {
      if (!er.path) return;
      var d = er.path.getAttribute("d"), nums = numbers(d);
      if (nums.length < 4) return;
      er.d0 = d;
      er.p0 = { x: nums[0], y: nums[1] };
      er.p1 = { x: nums[nums.length - 2], y: nums[nums.length - 1] };
      er.ends = { start: null, end: null };
      [["start", er.p0, 14], ["end", er.p1, 14]].forEach(function (t) {
        var best = null, bestD = Infinity;
        all.forEach(function (rec) {
          var o = rec.orig, dx = Math.max(o.x - t[1].x, 0, t[1].x - o.x - o.w), dy = Math.max(o.y - t[1].y, 0, t[1].y - o.y - o.h);
          var dd = Math.hypot(dx, dy);
          if (dd <= t[2] && dd < bestD) { bestD = dd; best = rec; }
        });
        if (best) { er.ends[t[0]] = best; best.ends.push(er); }
      });
    });
  }
  // where the line from p towards the box's centre meets the border of rect r
  function onBorder(p, r) {
    var cx = r.x + r.w / 2, cy = r.y + r.h / 2, dx = cx - p.x, dy = cy - p.y, t = 0;
    if (dx) t = Math.max(t, Math.min((r.x - p.x) / dx, (r.x + r.w - p.x) / dx));
    if (dy) t = Math.max(t, Math.min((r.y - p.y) / dy, (r.y + r.h - p.y) / dy));
    return { x: p.x + t * dx, y: p.y + t * dy, ux: dx / (Math.hypot(dx, dy) || 1), uy: dy / (Math.hypot(dx, dy) || 1) };
  }
  function fitBoxes(V) {
    var moved = new Set();
    V.boxes.concat(V.zboxes).forEach(function (rec) {
      if (!rec.orig) return;
      var o = rec.orig, shown = [], w = 0;
      for (var i = 0; i < rec.texts.length; i++) {
        var str = rec.texts[i].textContent;
        if (str.trim()) { shown.push(rec.texts[i]); w = Math.max(w, textWidth(str, rec.font)); }
      }
      var h = Math.min(o.h, shown.length * rec.pitch + 2 * TEXT_PAD);
      w = Math.min(o.w, w + 2 * SIDE_PAD);
      var key = w.toFixed(1) + "x" + h.toFixed(1) + ":" + shown.length;
      if (rec.fit === key) return;
      rec.fit = key;
      var x = o.cx - w / 2, y = o.cy - h / 2, r = Math.min(6, h / 2), X = x + w, Y = y + h;
      rec.rect = { x: x, y: y, w: w, h: h };
      rec.shape.setAttribute("d", "M" + (x + r) + "," + y + "H" + (X - r) + "Q" + X + "," + y + " " + X + "," + (y + r) +
        "V" + (Y - r) + "Q" + X + "," + Y + " " + (X - r) + "," + Y + "H" + (x + r) + "Q" + x + "," + Y + " " + x + "," + (Y - r) +
        "V" + (y + r) + "Q" + x + "," + y + " " + (x + r) + "," + y + "Z");
      shown.forEach(function (t, j) { t.setAttribute("y", (y + TEXT_PAD + rec.base + j * rec.pitch).toFixed(2)); });
      rec.ends.forEach(function (er) { moved.add(er); });
    });
    moved.forEach(function (er) {
      var d = er.d0, a = er.ends.start, b = er.ends.end;
      if (a && a.rect) { var q = onBorder(er.p0, a.rect); d = "M" + q.x.toFixed(2) + "," + q.y.toFixed(2) + "L" + d.slice(1); }
      if (b && b.rect) {
        var e = onBorder(er.p1, b.rect), gap = Math.hypot(e.x - er.p1.x, e.y - er.p1.y);
        if (gap > 9) d += "L" + (e.x - 9 * e.ux).toFixed(2) + "," + (e.y - 9 * e.uy).toFixed(2);
      }
      if (er.path.getAttribute("d") !== d) er.path.setAttribute("d", d);
    });
  }
  function mainOf(rec, s) { return rec.main[s] !== undefined ? rec.main[s] : rec.main.all; }
  function namedOf(rec, s) {
    if (!rec.neuron) return mainOf(rec, s);
    return rec.named[s] !== undefined ? rec.named[s] : rec.named.all;
  }
  var layoutDivs = pane.querySelectorAll(".layout"), neuronDivs = pane.querySelectorAll(".neurons");
  layouts.forEach(function (lay, li) {
    var nd = null;
    neuronDivs.forEach(function (d) { if (Number(d.getAttribute("data-layout")) === li) nd = d; });
    // the drawings as written, to copy for a batch size the page draws itself
    if (D.live) lay.markup = { node: layoutDivs[li].innerHTML, neuron: nd ? nd.innerHTML : "" };
    lay.views = { node: makeView(lay, layoutDivs[li], "node", "n" + li) };
    if (nd && lay.L.net) lay.views.neuron = makeView(lay, nd, "neuron", "u" + li);
  });
  function viewOf(lay) { return (level === "neuron" && lay.views.neuron) || lay.views.node; }

  // --- zoom and pan --------------------------------------------------------------------------
  var scale = 1, current = -1, shownLayout = -1, moved = false;
  var MIN_TEXT_PX = 12;  // the zoom that fits or follows never makes graph text smaller
  function shown() { var lay = layouts[Math.max(shownLayout, 0)]; return lay ? viewOf(lay) : null; }
  function minScale(V) { return MIN_TEXT_PX * 1.001 / (V.minFont * 4 / 3); }  // a hair over: rounding
  function applyScale() {
    layouts.forEach(function (lay) {
      [lay.views.node, lay.views.neuron].forEach(function (V) {
        if (!V) return;
        V.svg.style.width = (V.width * 4 / 3 * scale) + "px";
        V.svg.style.height = (V.height * 4 / 3 * scale) + "px";
      });
    });
  }
  var PAD = 12;  // the drawing's margin in the pane, as the stylesheet sets it
  function fitScale(V, w, h) {
    V = V || shown();
    if (!V) return 1;
    w = w === undefined ? V.width : w; h = h === undefined ? V.height : h;
    return Math.min((pane.clientWidth - 2 * PAD - 2) / (w * 4 / 3), (pane.clientHeight - 2 * PAD - 2) / (h * 4 / 3));
  }
  function zoom(to, cx, cy) {
    var old = scale;
    scale = Math.max(0.05, Math.min(4, to));
    var px = cx === undefined ? pane.clientWidth / 2 : cx, py = cy === undefined ? pane.clientHeight / 2 : cy;
    var x = (pane.scrollLeft + px) / old, y = (pane.scrollTop + py) / old;
    applyScale();
    pane.scrollLeft = x * scale - px; pane.scrollTop = y * scale - py;
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(scale * 1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(scale / 1.25); });
  document.getElementById("zoom-reset").addEventListener("click", function () { zoom(1); });
  document.getElementById("zoom-fit").addEventListener("click", function () { zoom(fitScale()); });
  pane.addEventListener("wheel", function (ev) {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    var r = pane.getBoundingClientRect();
    zoom(scale * (ev.deltaY < 0 ? 1.1 : 1 / 1.1), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  var drag = null;
  pane.addEventListener("mousedown", function (ev) {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, l: pane.scrollLeft, t: pane.scrollTop };
    moved = false;
    pane.classList.add("panning");
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 4) moved = true;
    pane.scrollLeft = drag.l - (ev.clientX - drag.x); pane.scrollTop = drag.t - (ev.clientY - drag.y);
  });
  window.addEventListener("mouseup", function () { drag = null; pane.classList.remove("panning"); });
  function union(rects) {
    var u = null;
    rects.forEach(function (q) {
      if (!q || !(q.right - q.left || q.bottom - q.top)) return;  // a hidden element: no box
      if (!u) u = { left: q.left, right: q.right, top: q.top, bottom: q.bottom };
      else {
        u.left = Math.min(u.left, q.left); u.right = Math.max(u.right, q.right);
        u.top = Math.min(u.top, q.top); u.bottom = Math.max(u.bottom, q.bottom);
      }
    });
    return u;
  }
  // Keep the step in view: the current box always inside the pane; with it, as much of the
  // rest (its labels, its inputs, the parameters an update moves) as fits. Zooms out where
  // they do not fit, never below 12 px text; pans as little as it can.
  function follow(V, focusEls, alsoEls) {
    var focus = union(focusEls.map(function (el) { return el.getBoundingClientRect(); }));
    if (!focus) return;
    var also = union(alsoEls.map(function (el) { return el.getBoundingClientRect(); }).concat([focus]));
    var p = pane.getBoundingClientRect(), m = 10;
    var W = pane.clientWidth - 2 * m, H = pane.clientHeight - 2 * m;
    var want = also;
    if (also.right - also.left > W || also.bottom - also.top > H) {
      var need = scale * Math.min(W / (also.right - also.left), H / (also.bottom - also.top));
      if (need >= minScale(V) * 0.999) {
        zoom(need, focus.left - p.left, focus.top - p.top);
      } else if (scale > minScale(V)) {
        zoom(minScale(V), focus.left - p.left, focus.top - p.top);
      }
      focus = union(focusEls.map(function (el) { return el.getBoundingClientRect(); }));
      also = union(alsoEls.map(function (el) { return el.getBoundingClientRect(); }).concat([focus]));
      want = also;
    }
    var left = p.left + m, top = p.top + m;
    // the window over as much of the rest as fits, the focus inside it
    function shift(lo, hi, flo, fhi, start, size) {
      if (hi - lo <= size) {
        if (lo >= start && hi <= start + size) return 0;
        return lo < start ? lo - start : hi - (start + size);
      }
      var centre = Math.max(fhi - size / 2, Math.min(flo + size / 2, (lo + hi) / 2));
      return centre - (start + size / 2);
    }
    pane.scrollLeft += shift(want.left, want.right, focus.left, focus.right, left, W);
    pane.scrollTop += shift(want.top, want.bottom, focus.top, focus.bottom, top, H);
  }

  // --- applying a step to the drawing --------------------------------------------------------
  function setLine(texts, i, s) { if (texts[i] && texts[i].textContent !== s) texts[i].textContent = s; }
  function baseName(s) { return s.replace(/#\d+$/, ""); }
  var SLOPE = {
    tanh: function (v) { return 1 - v * v; }, sigmoid: function (v) { return v * (1 - v); },
    relu: function (v) { return v > 0 ? 1 : 0; }, linear: function () { return 1; }
  };
  // z = w·x + b of a neuron a(z), from the batch's numbers (its constants from the record)
  function zValue(sp, B) {
    var c = B.k[String(sp.k)] || [], n = sp.w.length, z = sp.b >= 0 ? B.v[sp.b] : sp.c;
    for (var i = 0; i < n; i++) z += (sp.w[i] >= 0 ? B.v[sp.w[i]] : c[i]) * (sp.x[i] >= 0 ? B.v[sp.x[i]] : c[n + i]);
    return z;
  }
  // each input edge's local partial of z, in the node's input order: ∂z/∂w_i = x_i,
  // ∂z/∂x_i = w_i, ∂z/∂b = 1
  function zLocals(sp, B) {
    var c = B.k[String(sp.k)] || [], n = sp.w.length, out = [], i;
    if (sp.w[0] >= 0) for (i = 0; i < n; i++) out.push(sp.x[i] >= 0 ? B.v[sp.x[i]] : c[n + i]);
    if (sp.x[0] >= 0) for (i = 0; i < n; i++) out.push(sp.w[i] >= 0 ? B.v[sp.w[i]] : c[i]);
    if (sp.b >= 0) out.push(1);
    return out;
  }
  var ACT_FN = { tanh: "tanh", relu: "relu", sigmoid: "\u03c3" };
  function showLayout(lay) {
    layouts.forEach(function (other) {
      [other.views.node, other.views.neuron].forEach(function (V) { if (V) V.div.hidden = V !== viewOf(lay) || other !== lay; });
    });
    shownLayout = lay.li;
  }
  function paint(st) {
    var lay = st.lay, L = lay.L, B = st.B, S = st.S, rootName = L.names[lay.root], net = L.net;
    var V = viewOf(lay);
    if (V.div.hidden) showLayout(lay);
    var samplesOf = net || L.nodeView;
    if (samplesOf && S.k >= 0 && samplesOf.samples[S.k] >= 0) sample = samplesOf.samples[S.k];
    var s = V.mapped ? sample : "all";
    var lit = {};
    if (S.phase === "init" || S.phase === "update") lay.drawn.forEach(function (k) { lit[k] = 1; });
    if (S.phase === "feed") for (var q = 0; q < lay.n; q++) if (L.kinds[q] === "i" && (!V.mapped || samplesOf.samples[q] === sample)) lit[q] = 1;
    var cur = S.k >= 0 ? V.boxOf[S.k] : null;
    var litBoxes = [];
    V.boxes.forEach(function (rec) {
      var k = mainOf(rec, s), texts = rec.texts, v = B.v[k], isKnown = known(st, k);
      if (L.kinds[k] === "p" && S.phase === "update") v = B.u[lay.pindex[k]];
      var named = namedOf(rec, s), name = V.mapped ? baseName(L.names[named]) : L.names[k];
      // one sample's drawing shows this sample's names: x1[4], t4
      if (V.mapped && rec.line0.indexOf(rec.name0) === 0) setLine(texts, 0, name + rec.line0.slice(rec.name0.length));
      setLine(texts, 1, isKnown ? "= " + f4(v) : "= ?");
      var hasGrad = st.gr && st.gr.has[k] && !(V.kind === "neuron" && L.kinds[k] === "i");
      setLine(texts, 2, hasGrad ? "\u2202" + rootName + "/\u2202" + name + " = " + f4(st.gr.g[k]) : "");
      if (L.kinds[k] === "p") setLine(texts, 3, S.phase === "update" ? "was " + f4(B.v[k]) : "");
      if (rec.el.getAttribute("data-node") !== L.names[named]) rec.el.setAttribute("data-node", L.names[named]);
      rec.el.classList.toggle("pending", !isKnown);
      var isCur = rec.el === cur;
      rec.el.classList.toggle("current", isCur);
      if (isCur) rec.el.setAttribute("data-current", ""); else rec.el.removeAttribute("data-current");
      var isLit = false;
      for (var key in rec.main) if (lit[rec.main[key]]) isLit = true;
      if (V.kind === "neuron" && S.phase === "update" && rec.neuron) isLit = true;
      rec.el.classList.toggle("lit", isLit);
      if (isLit) litBoxes.push(rec.el);
    });
    V.zboxes.forEach(function (zr) {
      var k = zr.main[s] !== undefined ? zr.main[s] : zr.main.all, sp = lay.splitAt[k], isKnown = known(st, k);
      setLine(zr.texts, 1, isKnown ? "= " + f4(zValue(sp, B)) : "= ?");
      // ∂L/∂z once the neuron has passed its gradient back through its activation
      var done = st.pi > 4 || (st.pi === 4 && lay.bwdPos[k] <= S.pos);
      setLine(zr.texts, 2, done ? "\u2202" + rootName + "/\u2202z = " + f4(st.gr.g[k] * SLOPE[sp.act](B.v[k])) : "");
      var zname = "z of " + L.names[k];
      if (zr.el.getAttribute("data-node") !== zname) {
        zr.el.setAttribute("data-node", zname);
        zr.tip.textContent = zname + ": its w\u00b7x + b, before the activation " + sp.act;
      }
      zr.el.classList.toggle("pending", !isKnown);
      zr.el.classList.toggle("lit", k === S.k && S.phase !== "update");
    });
    if (V.kind === "node") fitBoxes(V);
    var back = S.phase === "backward" || S.phase === "update";
    var active = new Set(), activeEls = [];
    if (S.k >= 0 && (S.phase === "forward" || S.phase === "loss" || S.phase === "backward")) {
      for (var j = 0; j < L.inputs[S.k].length; j++) {
        var er = V.edgeOf[lay.off[S.k] + j];
        if (er && !active.has(er)) { active.add(er); activeEls.push(er.el); }
      }
      var zr0 = V.zOf[S.k];
      if (zr0 && zr0.er) { active.add(zr0.er); activeEls.push(zr0.er.el); }
    }
    var maxW = 0;
    V.edges.forEach(function (er) { if (er.weight >= 0) maxW = Math.max(maxW, Math.abs(B.v[er.weight])); });
    V.svg.classList.toggle("stepping", active.size > 0);
    V.edges.forEach(function (er) {
      if (!er.path) return;
      var on = active.has(er);
      var id = (back ? "back" : "fwd") + (on ? "-on" : "") + V.uid;
      if (er.weight >= 0) {  // a weight: blue +, red −, as wide as it is large
        var w = S.phase === "update" && lay.pindex[er.weight] >= 0 ? B.u[lay.pindex[er.weight]] : B.v[er.weight];
        var style = (w >= 0 ? "#1F77B4" : "#D62728") + ":" + (0.6 + 3.4 * Math.abs(w) / (maxW || 1)).toFixed(2);
        if (er.style !== style) {
          er.style = style;
          er.path.style.stroke = w >= 0 ? "#1F77B4" : "#D62728";
          er.path.style.strokeWidth = (0.6 + 3.4 * Math.abs(w) / (maxW || 1)).toFixed(2);
        }
      }
      if (er.state === id) return;  // touch only what changes: the graph is big
      er.state = id;
      er.el.classList.toggle("active", on);
      if (back) { er.path.setAttribute("marker-start", "url(#" + id + ")"); er.path.removeAttribute("marker-end"); }
      else { er.path.setAttribute("marker-end", "url(#" + id + ")"); er.path.removeAttribute("marker-start"); }
    });
    V.labels.textContent = "";
    var labelEls = [];
    if (S.phase === "backward") {
      var up = gradients(lay, B, S.pos).g[S.k], placed = [];
      boxesOf(V).forEach(function (b) { placed.push(b); });  // keep the labels off every node
      var nr = null;
      if (V.kind === "neuron" && net) net.neurons.forEach(function (x) { if (x.k === S.k) nr = x; });
      var todo = [];
      if (nr) {
        // a neuron: δ = ∂L/∂z, and along each weight's edge the weight's gradient δ·x
        var delta = up * SLOPE[nr.act](B.v[S.k]);
        nr.w.forEach(function (we, i) {
          var er = V.edgeOf[we], x = nr.x[i] >= 0 ? B.v[nr.x[i]] : (B.k[String(S.k)] || [])[nr.w.length + i];
          if (er && x !== undefined) todo.push([er, f4(delta) + " \u00d7 " + f4(x) + " = " + f4(delta * x)]);
        });
      } else if (V.zOf[S.k]) {
        // a neuron as two boxes: a(z) passes δ = ∂L/∂a × a′(z) to z, and z passes δ × its
        // local partial (the input a weight multiplies, the weight an input meets, 1) on
        var sp = lay.splitAt[S.k], zr = V.zOf[S.k], slope = SLOPE[sp.act](B.v[S.k]), zd = up * slope, zl = zLocals(sp, B);
        if (zr.er) todo.push([zr.er, f4(up) + " \u00d7 " + f4(slope) + " = " + f4(zd)]);
        L.inputs[S.k].forEach(function (inp, j) {
          var er = V.edgeOf[lay.off[S.k] + j];
          if (er && zl[j] !== undefined) todo.push([er, f4(zd) + " \u00d7 " + f4(zl[j]) + " = " + f4(zd * zl[j])]);
        });
      } else {
        var seen = new Set();
        L.inputs[S.k].forEach(function (inp, j) {
          var er = V.edgeOf[lay.off[S.k] + j];
          if (!er || seen.has(er)) return;
          seen.add(er);
          var local = B.d[lay.off[S.k] + j];
          // upstream × local, as the panel's sums, explain() and the backward drawing write it
          todo.push([er, f4(up) + " \u00d7 " + f4(local) + " = " + f4(local * up)]);
        });
      }
      var others = V.edges.filter(function (er) { return er.trace; });
      todo.forEach(function (t) { labelEls.push(label(V, t[0], t[1], placed, others)); });
    }
    var focusEls = cur ? [cur] : (opened && V.kind === "node" ? opened.els : litBoxes.slice(0, 1));
    var alsoEls = litBoxes.concat(labelEls);
    if (S.k >= 0) L.inputs[S.k].forEach(function (inp) { var b = V.boxOf[inp]; if (b) alsoEls.push(b); });
    if (S.k >= 0 && V.zOf[S.k]) alsoEls.push(V.zOf[S.k].el);
    if (opened && V.kind === "node") alsoEls = alsoEls.concat(opened.els);
    if (focusEls.length) follow(V, focusEls, alsoEls);
  }
  var CHAR_WIDTH = 8.2;  // 14 px bold Helvetica digits and signs, in graph units
  function boxesOf(V) {
    if (!V.placedBoxes) {
      V.placedBoxes = V.boxes.concat(V.zboxes).map(function (rec) {
        if (rec.orig) return { x: rec.orig.x, y: rec.orig.y, w: rec.orig.w, h: rec.orig.h };
        var b = rec.el.getBBox();
        return { x: b.x, y: b.y, w: b.width, h: b.height };
      }).filter(function (b) { return b.w > 0; });
    }
    return V.placedBoxes;
  }
  function distToTrace(pt, trace) {
    var best = Infinity;
    for (var i = 1; i < trace.length; i++) {
      var a = trace[i - 1], b = trace[i], dx = b.x - a.x, dy = b.y - a.y, l2 = dx * dx + dy * dy;
      var t = l2 ? Math.max(0, Math.min(1, ((pt.x - a.x) * dx + (pt.y - a.y) * dy) / l2)) : 0;
      var ex = a.x + t * dx - pt.x, ey = a.y + t * dy - pt.y;
      best = Math.min(best, ex * ex + ey * ey);
    }
    return Math.sqrt(best);
  }
  // An edge's label, centred on the edge where it covers no box and no other label and is
  // nearer its own edge than any other (not at a crossing); where no point along the edge is
  // clear (a dense graph), the same a label's height up or down with a leader back to it, and
  // failing that the spot that covers the fewest.
  function label(V, er, text, placed, others) {
    var g = document.createElementNS(SVGNS, "g"), t = document.createElementNS(SVGNS, "text");
    g.setAttribute("class", "elabel");
    t.setAttribute("text-anchor", "middle");
    g.appendChild(t);
    V.labels.appendChild(g);
    // between the layers of a network a long label takes two lines: upstream × local, = sum
    var cut = text.indexOf(" = "), two = !!V.lay.L.net && text.length > 16 && cut > 0;
    var lines = two ? [text.slice(0, cut + 1), text.slice(cut + 1)] : [text];
    var spans = lines.map(function (line, i) {
      var sp = document.createElementNS(SVGNS, "tspan");
      sp.textContent = line;
      if (i) sp.setAttribute("dy", "17");
      t.appendChild(sp);
      return sp;
    });
    var width = Math.max.apply(null, lines.map(function (line) { return line.trim().length; })) * CHAR_WIDTH;
    var tall = 17 * lines.length, h = tall + 4, best = null;
    // a weight's label next to the neuron whose output it multiplies: from the edge's tail
    // on, so the labels stand in the order of the layer they come from
    if (!er.trace) return g;
    // at the node level a label may sit beside its edge and must leave it and the others in
    // sight; between two layers of neurons, where a fan of edges leaves no such room, it
    // stands on or above its own edge
    var open = V.kind === "node", end = open ? Math.ceil(er.trace.length / 40) : 1;  // off the ends
    var pts = V.kind === "neuron" && er.weight >= 0 ? er.trace.slice(end, -end) : er.mids.concat(er.trace.slice(2 * end, -2 * end));
    function rectAt(p, dx, dy) { return { x: p.x - width / 2 + dx, y: p.y - 11 - (tall - 17) / 2 + dy, w: width, h: tall }; }
    function within(q, bb) { return q.x > bb.x - 2 && q.x < bb.x + bb.w + 2 && q.y > bb.y - 2 && q.y < bb.y + bb.h + 2; }
    // the part of its own edge a learner sees: clear of every box and its border
    var shownPts = er.trace.filter(function (q) {
      return !boxesOf(V).some(function (b) { return q.x > b.x - 4 && q.x < b.x + b.w + 4 && q.y > b.y - 4 && q.y < b.y + b.h + 4; });
    });
    // what a label could meet anywhere it may go: the boxes, labels and edges near its edge
    var far = 8 * h + tall + width + (open ? 3 * (width / 2 + 14) : 0) + 20;
    var rx0 = er.bbox.x0 - far, rx1 = er.bbox.x1 + far, ry0 = er.bbox.y0 - far, ry1 = er.bbox.y1 + far;
    var nearPlaced = placed.filter(function (q) { return q.x <= rx1 && q.x + q.w >= rx0 && q.y <= ry1 && q.y + q.h >= ry0; });
    var nearOthers = others.filter(function (o) { var ob = o.bbox; return o !== er && ob.x0 <= rx1 && ob.x1 >= rx0 && ob.y0 <= ry1 && ob.y1 >= ry0; });
    // centred on its edge: the centre nearer that edge than any other (a crossing fails
    // this); led by a line: the line's foot on the edge. It depends on the point along the
    // edge alone, not on where the label stands, so each point's answer is kept.
    var strays = new Map();
    function stray(p, led) {
      var memo = strays.get(p);
      if (!memo) { memo = {}; strays.set(p, memo); }
      if (memo[led] !== undefined) return memo[led];
      var c = led ? { x: p.x, y: p.y } : { x: p.x, y: p.y - 2.5 }, own = distToTrace(c, er.trace), out = 0;
      // (between two layers a weight's label stands by its neuron's fan of edges, all close
      // at its foot: there the leader shows which one it is)
      var reach = own + (led ? 3 : 6);  // (3: two edges that share a stretch are not told apart)
      for (var i = 0; i < nearOthers.length && !(led && !open); i++) {
        var ob = nearOthers[i].bbox;  // an edge whose box is farther away cannot be nearer
        var r = reach + (nearOthers[i].slack || 0);
        if (c.x < ob.x0 - r || c.x > ob.x1 + r || c.y < ob.y0 - r || c.y > ob.y1 + r) continue;
        // where every spot has another edge near, the farther it is the better (two edges
        // that share a stretch cannot be told apart on it)
        var d = distToTrace(c, nearOthers[i].trace);
        if (d < r) out = Math.max(out, 0.5 + 0.25 * (1 - d / r));
      }
      memo[led] = out;
      return out;
    }
    // (a spot's cost, or as soon as it is known to be no better than `bound`, a lower bound)
    function cost(p, dx, dy, bound) {
      var bb = rectAt(p, dx, dy), led = dx || dy;
      if (bb.x < -2 || bb.x + bb.w > V.width - 6 || bb.y < 6 - V.height || bb.y + bb.h > 2) return Infinity;
      // the nearer its edge the better, other things equal
      var n = led && open ? 0.01 + 0.0001 * Math.hypot(dx, dy) : 0;
      nearPlaced.forEach(function (q) {
        if (!(bb.x + bb.w + 4 < q.x || q.x + q.w < bb.x - 4 || bb.y + bb.h + 2 < q.y || q.y + q.h < bb.y - 2)) n++;
      });
      // it may not hide its own edge: some of what shows of it stays in sight
      if (open && shownPts.length && shownPts.every(function (q) { return within(q, bb); })) n += 1;
      n += stray(p, !!led);
      if (n >= bound) return n;
      // nor sit across another edge; across one is better than across a bundle of them
      var crossed = 0;
      for (var i = 0; i < nearOthers.length && open && crossed < 50; i++) {
        var ob = nearOthers[i].bbox;
        if (ob.x1 < bb.x - 2 || ob.x0 > bb.x + bb.w + 2 || ob.y1 < bb.y - 2 || ob.y0 > bb.y + bb.h + 2) continue;
        if (nearOthers[i].trace.some(function (q) { return within(q, bb); })) {
          crossed++;
          if (n + 0.25 + 0.005 * crossed >= bound) return n + 0.25 + 0.005 * crossed;
        }
      }
      return n + (crossed ? 0.25 + 0.005 * crossed : 0);
    }
    // on the edge, else a label's height up or down, else beside it left or right, each
    // led back to its edge by a line
    var offsets = [[0, 0]];
    for (var o = 1; o <= 8; o++) offsets.push([0, -o * h], [0, o * h]);
    for (o = 1; o <= 3 && open; o++) {
      [-1, 1].forEach(function (side) {
        for (var v = -4; v <= 4; v++) offsets.push([side * o * (width / 2 + 14), v * h / 2]);
      });
    }
    for (var oi = 0; oi < offsets.length && !(best && best.cost < 1e-6); oi++) {
      for (var c = 0; c < pts.length; c++) {
        var k = cost(pts[c], offsets[oi][0], offsets[oi][1], best ? best.cost : Infinity);
        if (!best || k < best.cost) best = { cost: k, p: pts[c], dx: offsets[oi][0], dy: offsets[oi][1] };
        if (k < 1e-6) break;
      }
    }
    if (!best || !pts.length) return g;
    var p = best.p, dx = best.dx, dy = best.dy, bb = rectAt(p, dx, dy), cx = p.x + dx;
    t.setAttribute("x", cx); t.setAttribute("y", bb.y + 15);
    spans.forEach(function (sp) { sp.setAttribute("x", cx); });
    placed.push({ x: bb.x - 3, y: bb.y - 1, w: bb.w + 6, h: bb.h + 2 });
    var r = document.createElementNS(SVGNS, "rect");
    r.setAttribute("x", bb.x - 3); r.setAttribute("y", bb.y - 1);
    r.setAttribute("width", bb.w + 6); r.setAttribute("height", bb.h + 2); r.setAttribute("rx", 3);
    g.insertBefore(r, t);
    g.setAttribute("data-edge", er.el.id);
    if (dx || dy) {  // a thin leader back to the edge it belongs to, from the box's nearest point
      var lead = document.createElementNS(SVGNS, "line");
      lead.setAttribute("x1", p.x); lead.setAttribute("y1", p.y);
      lead.setAttribute("x2", Math.max(bb.x - 3, Math.min(p.x, bb.x + bb.w + 3)));
      lead.setAttribute("y2", Math.max(bb.y - 1, Math.min(p.y, bb.y + bb.h + 1)));
      lead.setAttribute("class", "leader");
      g.insertBefore(lead, r);
    }
    return g;
  }

  // --- the side panel: where, data table, loss chart ---------------------------------------
  var where = document.getElementById("where"), box = document.getElementById("explanation");
  function showWhere(st) {
    where.textContent = "";
    var badge = document.createElement("span");
    badge.className = "phase " + st.S.phase;
    badge.textContent = PHASE_NAMES[st.S.phase];
    where.appendChild(badge);
    var words = D.rows.length ? "epoch " + st.B.e + " of " + epochs + " \u00b7 batch " + st.B.b + " of " + batchesPerEpoch : "one backward pass";
    if (viewOf(st.lay).mapped && samplesIn(st.lay) > 1) words += " \u00b7 sample " + (sample + 1) + " of " + samplesIn(st.lay);
    if (st.S.k >= 0) words += " \u00b7 node " + st.lay.L.names[st.S.k];
    where.appendChild(document.createTextNode(words));
  }
  function samplesIn(lay) { return Math.max.apply(null, (lay.L.net || lay.L.nodeView).samples.concat([0])) + 1; }
  var dataBox = document.getElementById("data");
  function showData(st) {
    if (!D.rows.length) { dataBox.hidden = true; document.getElementById("data-heading").hidden = true; return; }
    var cur = {}, done = {};
    st.B.r.forEach(function (r) { cur[r] = 1; });
    D.batches.forEach(function (B, bi) {
      if (B.e === st.B.e && (bi < st.S.bi || (bi === st.S.bi && st.pi >= 5))) B.r.forEach(function (r) { done[r] = 1; });
    });
    var first = 0, last = D.rows.length;
    if (last > 40) { first = Math.max(0, st.B.r[0] - 15); last = Math.min(D.rows.length, first + 40); }
    var t = document.createElement("table"), head = document.createElement("tr");
    ["row"].concat(D.columns).forEach(function (c) { var th = document.createElement("th"); th.textContent = c; head.appendChild(th); });
    t.appendChild(head);
    for (var r = first; r < last; r++) {
      var tr = document.createElement("tr");
      if (cur[r]) tr.className = "current"; else if (done[r]) tr.className = "done";
      if (cur[r] && done[r]) tr.className = "current done";
      [String(r + 1) + ")"].concat(D.rows[r].map(f4)).forEach(function (c) { var td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
      t.appendChild(tr);
    }
    dataBox.textContent = "";
    dataBox.appendChild(t);
  }
  var chart = document.getElementById("chart");
  var losses, lo, hi, logScale, chartOf = "";
  // A parameter's value after each batch's update (its node in each batch's drawing, by name)
  function paramSeries(name) {
    return D.batches.map(function (B) {
      var lay = layouts[B.l], k = lay.L.names.indexOf(name);
      return k >= 0 && lay.pindex[k] >= 0 ? B.u[lay.pindex[k]] : NaN;
    });
  }
  function chartScale() {
    losses = chartOf ? paramSeries(chartOf) : D.batches.map(function (B) { return B.v[layouts[B.l].root]; });
    var allPositive = !chartOf && losses.every(function (x) { return x > 0; });
    lo = Math.min.apply(null, losses); hi = Math.max.apply(null, losses);
    logScale = allPositive && losses.length > 1 && hi / lo > 1e3;
  }
  chartScale();
  function svgEl(name, attrs, text) {
    var el = document.createElementNS(SVGNS, name);
    for (var a in attrs) el.setAttribute(a, attrs[a]);
    if (text !== undefined) el.textContent = text;
    chart.appendChild(el);
    return el;
  }
  function showChart(st) {
    chart.textContent = "";
    var yTop = f4(hi), yBottom = f4(logScale ? lo : (chartOf ? lo : Math.min(0, lo)));
    // room on the left for the longer axis number (14 px text: about 8 units a character)
    var X0 = Math.max(62, 10 + 8 * Math.max(yTop.length, yBottom.length)), X1 = 430, Y0 = 12, Y1 = 160, n = losses.length;
    var shown = st.S.bi + (st.pi >= (chartOf ? 5 : 3) ? 1 : 0);
    function fy(v) {
      var a = logScale ? Math.log10(lo) : (chartOf ? lo : Math.min(0, lo)), b = logScale ? Math.log10(hi) : hi;
      var t = logScale ? Math.log10(v) : v;
      return b === a ? (Y0 + Y1) / 2 : Y1 - (t - a) / (b - a) * (Y1 - Y0);
    }
    function fx(i) { return n <= 1 ? (X0 + X1) / 2 : X0 + i / (n - 1) * (X1 - X0); }
    svgEl("line", { x1: X0, y1: Y1, x2: X1, y2: Y1, stroke: "#999" });
    svgEl("line", { x1: X0, y1: Y0, x2: X0, y2: Y1, stroke: "#999" });
    svgEl("text", { x: X0 - 4, y: fy(hi) + 4, "text-anchor": "end" }, yTop);
    svgEl("text", { x: X0 - 4, y: fy(logScale ? lo : (chartOf ? lo : Math.min(0, lo))) + 4, "text-anchor": "end" }, yBottom);
    // an epoch's name where there is room for it (about 60 units), else every k-th epoch's
    var gap = n <= 1 ? X1 - X0 : batchesPerEpoch / (n - 1) * (X1 - X0);
    var every = Math.max(1, Math.ceil(60 / Math.max(gap, 1e-9)));
    for (var e = 2; e <= epochs; e++) {
      var at = (e - 1) * batchesPerEpoch - 0.5;
      if (at < n) {
        var x = n <= 1 ? X0 : X0 + at / (n - 1) * (X1 - X0);
        svgEl("line", { x1: x, y1: Y0, x2: x, y2: Y1, stroke: "#ccc", "stroke-dasharray": "3 3" });
        if ((e - 1) % every === 0 && x + 60 <= X1 + 10) {
          svgEl("text", { x: x + 3, y: Y0 + 10, "class": "epoch-name" }, every > 1 || gap < 60 ? String(e) : "epoch " + e);
        }
      }
    }
    var compact = epochs > 1 && (every > 1 || gap < 60);
    if (compact) svgEl("text", { x: X0 + 3, y: Y0 + 10, "class": "epoch-name" }, "1");
    svgEl("text", { x: (X0 + X1) / 2, y: 184, "text-anchor": "middle" },
      (chartOf ? chartOf + " after each batch's update, by batch" : "batch") + (compact ? ", epochs numbered" : "") + (logScale ? " (loss on a log scale)" : ""));
    if (shown > 0) {
      var pts = [];
      for (var i = 0; i < shown; i++) pts.push(fx(i).toFixed(1) + "," + fy(losses[i]).toFixed(1));
      svgEl("polyline", { points: pts.join(" "), fill: "none", stroke: "#2a7ab0", "stroke-width": 2 });
      var lx = fx(shown - 1), ly = fy(losses[shown - 1]);
      svgEl("circle", { cx: lx, cy: ly, r: 4, fill: "#D62728" });
      // beside the point, inside the chart, clear of the axis numbers and the epoch names:
      // right of it in the chart's left half, left of it in the right half; above, else below
      var right = lx > (X0 + X1) / 2, taken = [];
      chart.querySelectorAll("text").forEach(function (t) { var b = t.getBBox(); if (b.width) taken.push(b); });
      var last = svgEl("text", { id: "chart-last" }, (chartOf || "L") + " = " + f7(losses[shown - 1]));
      var spots = [[right, -6], [right, 18], [!right, -6], [!right, 18], [right, -24], [right, 36]];
      for (var si = 0; si < spots.length; si++) {
        var end = spots[si][0];
        last.setAttribute("x", end ? lx - 6 : lx + 6);
        last.setAttribute("y", ly + spots[si][1]);
        last.setAttribute("text-anchor", end ? "end" : "start");
        var bb = last.getBBox();
        var clear = bb.x >= 0 && bb.x + bb.width <= 440 && bb.y >= 0 && bb.y + bb.height <= Y1 - 2 &&
          taken.every(function (o) { return bb.x > o.x + o.width + 2 || o.x > bb.x + bb.width + 2 || bb.y > o.y + o.height || o.y > bb.y + bb.height; });
        if (clear) break;
      }
    }
  }

  // --- the code view: the compiled program's lines for the current node -------------------
  // (Tape(loss).compile().source, as data; shown as text)
  var codeView = document.getElementById("code-view");
  function showCode(st) {
    if (!codeView) return;
    var code = st.lay.L.code, k = st.S.phase === "loss" ? st.lay.root : st.S.k;
    var lines = code && k >= 0 ? code[k] : null;
    codeView.hidden = !lines;
    if (!lines) return;
    var fwd = document.getElementById("code-forward"), bwd = document.getElementById("code-backward");
    fwd.textContent = lines[0];
    bwd.textContent = lines[1] || "(nothing flows back from here)";
    fwd.className = "code-line" + (st.S.phase === "forward" || st.S.phase === "loss" ? " now" : "");
    bwd.className = "code-line" + (st.S.phase === "backward" ? " now" : "");
    document.getElementById("code-what").textContent = "of " + st.lay.L.names[k] + ", in the compiled program";
    // what its variables hold: p (a leaf), v (a node's value), g and gp (their gradients)
    var vars = st.lay.L.codeVars || {}, seen = {}, where = [];
    [lines[0], lines[1]].forEach(function (line) {
      var src = line.split("  # ")[0], re = /\b(gp|g|p|v)(\d+)\b/g, m;
      while ((m = re.exec(src)) !== null) {
        var grad = m[1][0] === "g", name = vars[(m[1] === "gp" || m[1] === "p" ? "p" : "v") + m[2]];
        if (seen[m[0]] || name === undefined) continue;
        seen[m[0]] = 1;
        where.push(m[0] + " = " + (grad ? "\u2202" + st.lay.L.names[st.lay.root] + "/\u2202" + name : name));
      }
    });
    document.getElementById("code-where").textContent = where.length ? "where " + where.join(", ") : "";
  }

  // --- the data plot: for two inputs, the points over the model's output --------------------
  // The model's output over a GRID x GRID lattice of the input plane (the JS engine's forward
  // at the step's parameters) is the background: for a classifier, the side of the boundary
  // (score > 0 blue, < 0 orange, paler near 0); for a regression, the fitted surface's value.
  var plotBox = document.getElementById("plot-box"), plot = document.getElementById("plot");
  var GRID = 40, NODE_GRID = 20, PLOT_W = 440, PLOT_H = 300, plotRun = null, plotFrame = null, plotCache = {};
  var plotOn = !!(D.live && plot && D.columns.length === 3 && D.live.program.fed === 3);
  var CLASS_COLOURS = ["#d9731a", "#2a7ab0"];
  // several outputs (cross-entropy's logits): class c's colour; the plane shows the argmax
  var MANY_COLOURS = [[217, 115, 26], [42, 122, 176], [176, 80, 154], [60, 150, 90], [120, 120, 120]];
  var manyClasses = !!(D.live && D.live.program.outputs && D.live.program.outputs.length > 1);
  function classColour(c) { return "rgb(" + MANY_COLOURS[c % MANY_COLOURS.length].join(",") + ")"; }
  // The colour of the plane where the logits are `z`: the largest's class, paler where the
  // softmax gives it less of a lead (nearly white where every class is as likely)
  function argmaxColour(z) {
    var best = 0, total = 0, k;
    for (k = 1; k < z.length; k++) if (z[k] > z[best]) best = k;
    for (k = 0; k < z.length; k++) total += Math.exp(z[k] - z[best]);
    var lead = (1 / total - 1 / z.length) / (1 - 1 / z.length);
    return overWhite(MANY_COLOURS[best % MANY_COLOURS.length], 0.06 + 0.4 * lead);
  }
  // `rgb` at opacity `a` over white, as an opaque colour: the cells overlap by half a pixel
  // (no gaps), and translucent ones would draw a grid where they do
  function overWhite(rgb, a) {
    return "rgb(" + rgb.map(function (v) { return Math.round(255 - a * (255 - v)); }).join(",") + ")";
  }
  function frameOf(rows) {
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    rows.forEach(function (r) { x0 = Math.min(x0, r[0]); x1 = Math.max(x1, r[0]); y0 = Math.min(y0, r[1]); y1 = Math.max(y1, r[1]); });
    var px = (x1 - x0) * 0.15 || 1, py = (y1 - y0) * 0.15 || 1;
    return { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
  }
  function toPlot(x1, x2) {
    var f = plotFrame;
    return [(x1 - f.x0) / (f.x1 - f.x0) * PLOT_W, PLOT_H - (x2 - f.y0) / (f.y1 - f.y0) * PLOT_H];
  }
  function fromPlot(px, py) {
    var f = plotFrame;
    return [f.x0 + px / PLOT_W * (f.x1 - f.x0), f.y0 + (PLOT_H - py) / PLOT_H * (f.y1 - f.y0)];
  }
  // The parameters before every batch and after the last: the run the page shows, in full
  function plotParams(st) {
    if (!plotRun) {
      plotRun = { program: new root.MGEngine.Program(programOf(settings.loss)), trail: [] };
      try {
        var run = root.MGEngine.train(programOf(settings.loss), settings, initial(settings), rowsFor(settings.loss, D.rows));
        run.batches.forEach(function (rec) { plotRun.trail.push(rec.before); });
        if (run.batches.length) plotRun.trail.push(run.batches[run.batches.length - 1].after);
      } catch (err) { plotRun.trail = [LIVE.program.init]; }
      plotCache = {};
    }
    var at = Math.min(st.S.bi + (st.pi >= 5 ? 1 : 0), plotRun.trail.length - 1);
    return { at: at, params: plotRun.trail[at] };
  }
  // The value of node k of the drawing of batch B at input (x1, x2): the batch's graph run
  // forward by the ops' rules (the target fed 0), as Playground's per-neuron maps show
  function nodeAt(B, k, params, x) {
    var lay = layouts[B.l], L = lay.L, ops = LIVE.ops[B.l], v = new Array(k + 1);
    for (var j = 0; j <= k; j++) {
      if (!L.inputs[j].length) {
        if (L.params[j] >= 0) v[j] = params[L.params[j]];
        else if (L.feeds[j][0] >= 0) v[j] = L.feeds[j][1] < 2 ? x[L.feeds[j][1]] : 0;
        else v[j] = B.v[j];
        continue;
      }
      v[j] = root.MGEngine.apply(ops[j][0], L.inputs[j].map(function (i) { return v[i]; }), ops[j][1])[0];
    }
    return v[k];
  }
  var plotOf = document.getElementById("plot-of");
  function nodeGrid(st, at, params) {
    var key = at + ":" + st.S.bi + ":" + st.S.k;
    if (plotCache.key === key) return plotCache.out;
    var out = [];
    try {
      for (var j = 0; j < NODE_GRID; j++) for (var i = 0; i < NODE_GRID; i++) {
        out.push(nodeAt(st.B, st.S.k, params, fromPlot((i + 0.5) * PLOT_W / NODE_GRID, (j + 0.5) * PLOT_H / NODE_GRID)));
      }
    } catch (err) { out = null; }
    plotCache = { key: key, out: out };
    return out;
  }
  function plotGrid(at, params) {
    if (plotCache.at === at) return plotCache.out;
    var xs = [];
    for (var j = 0; j < GRID; j++) for (var i = 0; i < GRID; i++) {
      xs.push(fromPlot((i + 0.5) * PLOT_W / GRID, (j + 0.5) * PLOT_H / GRID));
    }
    var out;
    try { out = plotRun.program.predict(params, xs); } catch (err) { out = null; }
    plotCache = { at: at, out: out };
    return out;
  }
  function showPlot(st) {
    if (!plotOn) return;
    var targets = LIVE.program.targets, ctx = plot.getContext("2d");
    if (!plotFrame) plotFrame = frameOf(D.rows);
    var p = plotParams(st), byNode = plotOf && plotOf.value === "node" && st.S.k >= 0 && st.lay.L.inputs[st.S.k].length > 0;
    var out = byNode ? nodeGrid(st, p.at, p.params) : plotGrid(p.at, p.params);
    ctx.clearRect(0, 0, PLOT_W, PLOT_H);
    if (out && byNode) {
      var top = Math.max.apply(null, out.map(Math.abs)) || 1, w0 = PLOT_W / NODE_GRID, h0 = PLOT_H / NODE_GRID;
      for (var j0 = 0; j0 < NODE_GRID; j0++) for (var i0 = 0; i0 < NODE_GRID; i0++) {
        var u = out[j0 * NODE_GRID + i0] / top;  // blue positive, orange negative, white 0
        ctx.fillStyle = u >= 0 ? overWhite([42, 122, 176], 0.6 * u) : overWhite([217, 115, 26], -0.6 * u);
        ctx.fillRect(i0 * w0, j0 * h0, w0 + 0.5, h0 + 0.5);
      }
      document.getElementById("plot-node").textContent = st.lay.L.names[st.S.k] + " over the plane, from " + f4(Math.min.apply(null, out)) + " to " + f4(Math.max.apply(null, out));
    } else if (out) {
      var lo = Infinity, hi = -Infinity;
      if (!targets) D.rows.concat([]).forEach(function (r) { lo = Math.min(lo, r[2]); hi = Math.max(hi, r[2]); });
      var cw = PLOT_W / GRID, ch = PLOT_H / GRID;
      for (var j = 0; j < GRID; j++) for (var i = 0; i < GRID; i++) {
        var v = out[j * GRID + i], colour;
        if (manyClasses) {
          colour = argmaxColour(v);
        } else if (targets) {
          var c = v > 0 ? [42, 122, 176] : [217, 115, 26], a = Math.min(1, Math.abs(v)) * 0.35 + 0.08;
          colour = overWhite(c, a);
        } else {
          var t = hi > lo ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0.5;
          colour = overWhite([42, 122, 176], 0.05 + 0.45 * t);
        }
        ctx.fillStyle = colour;
        ctx.fillRect(i * cw, j * ch, cw + 0.5, ch + 0.5);
      }
    }
    if (!byNode && plotOf) document.getElementById("plot-node").textContent = plotOf.value === "node" ? "(a step at a node shows its map)" : "";
    var cur = {};
    st.B.r.forEach(function (r) { cur[r] = 1; });
    D.rows.forEach(function (r, ri) {
      var q = toPlot(r[0], r[1]);
      ctx.beginPath();
      ctx.arc(q[0], q[1], cur[ri] ? 7 : 5, 0, 2 * Math.PI);
      ctx.fillStyle = manyClasses ? classColour(r[2]) : targets ? CLASS_COLOURS[r[2] > 0 ? 1 : 0] : "#555";
      ctx.fill();
      ctx.lineWidth = cur[ri] ? 3 : 1;
      ctx.strokeStyle = cur[ri] ? "#D62728" : "#fff";
      ctx.stroke();
    });
  }
  // A click on a point removes it; elsewhere adds one (of the chosen class); then re-train
  function plotClick(px, py) {
    var hit = -1, best = 8 * 8;
    D.rows.forEach(function (r, ri) {
      var q = toPlot(r[0], r[1]), d = (q[0] - px) * (q[0] - px) + (q[1] - py) * (q[1] - py);
      if (d <= best) { best = d; hit = ri; }
    });
    var rows = D.rows.map(function (r) { return r.slice(); });
    if (hit >= 0) rows.splice(hit, 1);
    else {
      var x = fromPlot(px, py), label = Number(document.getElementById("plot-label").value);
      rows.push([x[0], x[1], label]);
    }
    try {
      setRowsOf(rows, null);
      note((hit >= 0 ? "Removed row " + (hit + 1) : "Added a point") + "; re-trained on " + rows.length + " rows.", false);
    } catch (err) { note(err.message.replace(/^explorer\.(setRows|retrain): /, ""), true); }
  }
  // The chart's select: the loss, or any parameter the graph draws (by its name)
  var chartSelect = document.getElementById("chart-of");
  function setUpChartSelect() {
    if (!chartSelect || !D.rows.length) return;
    var seen = {};
    layouts.forEach(function (lay) {
      lay.listed.forEach(function (k) {
        var name = lay.L.names[k];
        if (seen[name]) return;
        seen[name] = 1;
        var o = document.createElement("option");
        o.value = name; o.textContent = name;
        chartSelect.appendChild(o);
      });
    });
    chartSelect.addEventListener("change", function () { chartBy(chartSelect.value); });
  }
  function chartBy(name) {
    if (name && !layouts.some(function (lay) { return lay.listed.some(function (k) { return lay.L.names[k] === name; }); })) {
      throw new Error("explorer.chart: no parameter named " + JSON.stringify(String(name)));
    }
    chartOf = name || "";
    if (chartSelect) chartSelect.value = chartOf;
    chartScale();
    if (current >= 0) showChart(state(current));
    return chartOf || "loss";
  }
  function setUpPlot() {
    if (!plotOn) return;
    plotBox.hidden = false;
    var targets = LIVE.program.targets, select = document.getElementById("plot-label");
    (targets || []).forEach(function (t) {
      var o = document.createElement("option");
      o.value = String(t); o.textContent = "class " + t;
      if (manyClasses) o.style.color = classColour(t);
      select.appendChild(o);
    });
    if (targets) select.value = String(targets[targets.length - 1]);
    document.getElementById("plot-add").hidden = !targets;
    document.getElementById("plot-help").textContent =
      targets ? "Click a point to remove it, elsewhere to add one; the page re-trains." : "Click a point to remove it; the page re-trains.";
    if (plotOf) plotOf.addEventListener("change", function () { if (current >= 0) showPlot(state(current)); });
    plot.addEventListener("click", function (ev) {
      var rect = plot.getBoundingClientRect();
      var px = (ev.clientX - rect.left) * PLOT_W / rect.width, py = (ev.clientY - rect.top) * PLOT_H / rect.height;
      var before = D.rows.length;
      if (!targets) {  // regression: remove only (a new point's target is not the learner's to click)
        var near = D.rows.some(function (r) { var q = toPlot(r[0], r[1]); return (q[0] - px) * (q[0] - px) + (q[1] - py) * (q[1] - py) <= 64; });
        if (!near) return;
      }
      plotClick(px, py);
      if (D.rows.length !== before) go(Math.min(current, steps.length - 1));
    });
  }

  // --- the neurons' maps: each neuron's output over the data plot's plane, in its box -----
  // At the neuron level of a page whose model has two inputs, as Playground's per-neuron
  // heatmaps: a square at the box's left, or top (Python's drawing left `net.room` points
  // there for it: `net.roomAt`).
  // One forward of the drawing's graph per grid point gives every neuron's output at once;
  // the grids of the current and the previous parameters are kept, no more.
  var MAP_GRID = 20, mapCache = [], mapCanvas = null;
  function mapsOn(lay) { return plotOn && !!lay.L.net && lay.L.net.room > 0 && !!lay.views.neuron; }
  // The data plot's colours, opaque (as over its white): a score's side, blue > 0 and
  // orange < 0, deeper up to |v| = 1; on a regression page the output's fitted surface, a
  // deeper blue the larger, over the targets' range
  function mapColour(v, range) {
    if (!isFinite(v)) return [160, 160, 160];
    var c, a;
    if (range) {
      var t = range[1] > range[0] ? Math.max(0, Math.min(1, (v - range[0]) / (range[1] - range[0]))) : 0.5;
      c = [42, 122, 176]; a = 0.05 + 0.45 * t;
    } else {
      c = v > 0 ? [42, 122, 176] : [217, 115, 26]; a = Math.min(1, Math.abs(v)) * 0.35 + 0.08;
    }
    return c.map(function (x) { return Math.round(255 + (x - 255) * a); });
  }
  function targetRange() {
    var lo = Infinity, hi = -Infinity;
    D.rows.forEach(function (r) { lo = Math.min(lo, r[2]); hi = Math.max(hi, r[2]); });
    return [lo, hi];
  }
  // The view's boxes that get a map: each neuron's (its output as the box shows it, for the
  // first sample: every sample's neuron is the same function of the input)
  function mapBoxes(V) {
    if (V.maps) return V.maps;
    var lay = V.lay, last = null;
    V.maps = V.boxes.filter(function (rec) { return rec.neuron; }).map(function (rec) {
      var k = mainOf(rec, rec.main[0] !== undefined ? 0 : "all");
      var m = { rec: rec, k: k, name: baseName(lay.L.names[namedOf(rec, rec.named[0] !== undefined ? 0 : "all")]), image: null };
      if (!last || k > last.k) last = m;
      return m;
    });
    if (last) last.output = true;
    // the nodes the maps need, in the graph's order (one sample's, of a batch of several)
    var need = new Uint8Array(lay.n), stack = V.maps.map(function (m) { return m.k; });
    while (stack.length) {
      var q = stack.pop();
      if (need[q]) continue;
      need[q] = 1;
      lay.L.inputs[q].forEach(function (i) { if (!need[i]) stack.push(i); });
    }
    V.mapNeed = [];
    for (var q2 = 0; q2 < lay.n; q2++) if (need[q2]) V.mapNeed.push(q2);
    return V.maps;
  }
  // Every mapped neuron's output at each point of a MAP_GRID x MAP_GRID lattice of the data
  // plot's plane (rows from the top, as drawn), at `params`; {xs, values: {node: [...]}}
  function neuronGrids(V, B, params) {
    var f = plotFrame, key = V.uid + "|" + [f.x0, f.x1, f.y0, f.y1].join(",") + "|" + params.join(",");
    for (var c = 0; c < mapCache.length; c++) if (mapCache[c].key === key) return mapCache[c];
    var lay = V.lay, L = lay.L, ops = LIVE.ops[lay.li], maps = mapBoxes(V), need = V.mapNeed;
    var v = new Float64Array(lay.n), xs = [], values = {}, failed = null;
    maps.forEach(function (m) { values[m.k] = new Float64Array(MAP_GRID * MAP_GRID); });
    try {
      for (var j = 0; j < MAP_GRID; j++) for (var i = 0; i < MAP_GRID; i++) {
        var x = fromPlot((i + 0.5) * PLOT_W / MAP_GRID, (j + 0.5) * PLOT_H / MAP_GRID), at = j * MAP_GRID + i;
        xs.push(x);
        for (var n = 0; n < need.length; n++) {
          var q = need[n], ins = L.inputs[q];
          if (!ins.length) {  // a leaf: a parameter, the point's input (the target fed 0), a constant
            v[q] = L.params[q] >= 0 ? params[L.params[q]] : L.feeds[q][0] >= 0 ? (L.feeds[q][1] < 2 ? x[L.feeds[q][1]] : 0) : B.v[q];
            continue;
          }
          var args = new Array(ins.length);
          for (var a = 0; a < ins.length; a++) args[a] = v[ins[a]];
          v[q] = root.MGEngine.apply(ops[q][0], args, ops[q][1])[0];
        }
        for (var mi = 0; mi < maps.length; mi++) values[maps[mi].k][at] = v[maps[mi].k];
      }
    } catch (err) { failed = err.message; }
    var entry = { key: key, xs: xs, values: failed ? null : values, failed: failed, url: {} };
    mapCache.unshift(entry);
    if (mapCache.length > 2) mapCache.length = 2;
    return entry;
  }
  // The map's square in box `rec`, at its left (or top), the box's text moved over (once)
  function mapImage(V, m) {
    if (m.image) return m.image;
    var shape = m.rec.el.querySelector("path, polygon"), b = shape.getBBox(), net = V.lay.L.net;
    var room = net.room, top = net.roomAt === "top", at = top ? "y" : "x";
    var side = Math.max(8, top ? Math.min(b.width - 8, room - 4) : Math.min(b.height - 8, room - 2));
    m.rec.texts.forEach(function (t) { t.setAttribute(at, String(Number(t.getAttribute(at)) + room / 2)); });
    var img = document.createElementNS(SVGNS, "image"), tip = document.createElementNS(SVGNS, "title");
    img.setAttribute("class", "neuron-map");
    img.setAttribute("x", String(top ? b.x + (b.width - side) / 2 : b.x + 4));
    img.setAttribute("y", String(top ? b.y + 4 : b.y + (b.height - side) / 2));
    img.setAttribute("width", String(side));
    img.setAttribute("height", String(side));
    img.setAttribute("preserveAspectRatio", "none");
    img.setAttribute("data-neuron", m.name);
    var plane = "(" + D.columns[0] + ", " + D.columns[1] + ")";
    tip.textContent = m.name + "'s output over " + plane + ", the data plot's plane, at this step's parameters: " +
      (m.output && !LIVE.program.targets ? "the fitted surface, a deeper blue the larger (the data plot's colours)"
                                          : "blue where it is > 0, orange where < 0, deeper up to \u00b11");
    img.appendChild(tip);
    shape.parentNode.insertBefore(img, shape.nextSibling);
    m.image = img;
    return img;
  }
  function mapUrl(values, range) {
    if (!mapCanvas) { mapCanvas = document.createElement("canvas"); mapCanvas.width = mapCanvas.height = MAP_GRID; }
    var ctx = mapCanvas.getContext("2d"), data = ctx.createImageData(MAP_GRID, MAP_GRID);
    for (var p = 0; p < values.length; p++) {
      var rgb = mapColour(values[p], range);
      data.data[4 * p] = rgb[0]; data.data[4 * p + 1] = rgb[1]; data.data[4 * p + 2] = rgb[2]; data.data[4 * p + 3] = 255;
    }
    ctx.putImageData(data, 0, 0);
    return mapCanvas.toDataURL("image/png");
  }
  // Draw the shown view's maps for step `st` (only what changed since the last time)
  function showMaps(st) {
    var lay = st.lay, V = viewOf(lay);
    if (V.kind !== "neuron" || !mapsOn(lay)) return;
    if (!plotFrame) plotFrame = frameOf(D.rows);
    var grids = neuronGrids(V, st.B, plotParams(st).params);
    if (V.mapsShown === grids) return;
    V.mapsShown = grids;
    var range = LIVE.program.targets ? null : targetRange();
    mapBoxes(V).forEach(function (m) {
      var img = mapImage(V, m), url = "";
      if (grids.values) {
        var which = m.k + (m.output && range ? "s" : "");
        url = grids.url[which] || (grids.url[which] = mapUrl(grids.values[m.k], m.output ? range : null));
      }
      img.setAttribute("href", url);
      img.style.visibility = url ? "" : "hidden";
    });
  }
  // The legend's word on the maps (shown at the neuron level only)
  function mapLegend() {
    var bar = document.getElementById("legend-bar");
    if (!bar || !layouts.some(mapsOn)) return;
    var span = document.createElement("span"), chip = document.createElement("span");
    span.className = "neuron-only map-legend";
    chip.className = "map-chip";
    span.appendChild(chip);
    span.appendChild(document.createTextNode("in a box: its output over (" + D.columns[0] + ", " + D.columns[1] + "), blue > 0, orange < 0" +
      (LIVE.program.targets ? "" : " (the model's: as the data plot)")));
    bar.appendChild(span);
  }
  // explorer.neuronMap(name): the grid a neuron's map is drawn from, at the current step
  function neuronMap(name) {
    if (current < 0) return null;
    var st = state(current), lay = st.lay, V = lay.views.neuron;
    if (!mapsOn(lay)) return null;
    var found = null;
    mapBoxes(V).forEach(function (m) { if (m.name === name || lay.L.names[m.k] === name) found = m; });
    if (!found) throw new Error("explorer.neuronMap: no neuron named " + JSON.stringify(String(name)));
    if (!plotFrame) plotFrame = frameOf(D.rows);
    var p = plotParams(st), grids = neuronGrids(V, st.B, p.params);
    if (!grids.values) throw new Error("explorer.neuronMap: " + grids.failed);
    var byName = {};
    LIVE.program.params.forEach(function (pname, i) { byName[pname] = p.params[i]; });
    return { name: found.name, grid: MAP_GRID, xs: grids.xs.map(function (x) { return x.slice(); }),
             values: Array.prototype.slice.call(grids.values[found.k]), params: byName };
  }

  // --- navigation ----------------------------------------------------------------------------
  var slider = document.getElementById("slider"), counter = document.getElementById("counter");
  slider.max = String(Math.max(steps.length, 1));
  function go(i) {
    if (!steps.length) { box.textContent = "Nothing to show: the graph has no steps."; return; }
    i = Math.max(0, Math.min(steps.length - 1, Math.floor(Number(i)) || 0));
    current = i;
    var st = state(i);
    paint(st);
    showWhere(st);
    show(explain(i), box);
    showData(st);
    showChart(st);
    showPlot(st);
    showCode(st);
    showMaps(st);
    slider.value = String(i + 1);
    counter.textContent = "step " + (i + 1) + " of " + steps.length;
    var hash = "#step=" + (i + 1) + settingsHash();
    if (location.hash !== hash) {
      try { history.replaceState(null, "", hash); } catch (err) { /* a sandboxed frame: no URL */ }
    }
  }
  function groupStart(i, key) {
    var s = i;
    while (s > 0 && key(s - 1) === key(i)) s--;
    return s;
  }
  function jump(key, dir) {
    var i = current;
    if (dir > 0) {
      var s = i;
      while (s < steps.length && key(s) === key(i)) s++;
      go(Math.min(s, steps.length - 1));
    } else {
      var start = groupStart(i, key);
      go(start < i ? start : groupStart(Math.max(start - 1, 0), key));
    }
  }
  function phaseKey(i) { return inner[i].bi + ":" + inner[i].phase; }
  function batchKey(i) { return inner[i].bi; }
  function epochKey(i) { return steps[i].epoch; }
  function on(id, f) { document.getElementById(id).addEventListener("click", f); }
  on("next", function () { go(current + 1); });
  on("prev", function () { go(current - 1); });
  on("next-phase", function () { jump(phaseKey, 1); });
  on("prev-phase", function () { jump(phaseKey, -1); });
  on("next-batch", function () { jump(batchKey, 1); });
  on("prev-batch", function () { jump(batchKey, -1); });
  on("next-epoch", function () { jump(epochKey, 1); });
  on("first-epoch", function () { jump(epochKey, -1); });
  slider.addEventListener("input", function () { go(Number(slider.value) - 1); });
  var timer = null, playButton = document.getElementById("play"), speed = document.getElementById("speed");
  function setPlaying(play) {
    if (timer) { clearInterval(timer); timer = null; }
    if (play) {
      if (current >= steps.length - 1) go(0);
      timer = setInterval(function () {
        if (current >= steps.length - 1) { setPlaying(false); return; }
        go(current + 1);
      }, 1000 / Number(speed.value));
    }
    playButton.textContent = play ? "\u275a\u275a pause" : "\u25b6 play";
    playButton.setAttribute("aria-pressed", play ? "true" : "false");
  }
  on("play", function () { setPlaying(!timer); });
  speed.addEventListener("change", function () { if (timer) setPlaying(true); });
  document.addEventListener("keydown", function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (tag === "SELECT" || (tag === "INPUT" && ev.target.type !== "range")) return;
    var handled = true;
    if (ev.key === "ArrowRight") { if (ev.shiftKey) jump(phaseKey, 1); else go(current + 1); }
    else if (ev.key === "ArrowLeft") { if (ev.shiftKey) jump(phaseKey, -1); else go(current - 1); }
    else if (ev.key === "PageDown") jump(batchKey, 1);
    else if (ev.key === "PageUp") jump(batchKey, -1);
    else if (ev.key === "Home") go(0);
    else if (ev.key === "End") go(steps.length - 1);
    else if (ev.key === " ") setPlaying(!timer);
    else if (ev.key === "o" && level === "neuron" && currentNeuron()) openNeuron(currentNeuron());
    else if (ev.key === "Escape" && opened) setLevel("neuron");
    else handled = false;
    if (handled) ev.preventDefault();
  });
  function fromHash() {
    var m = /^#step=(\d+)(&|$)/.exec(location.hash);
    return m ? Number(m[1]) - 1 : null;
  }
  window.addEventListener("hashchange", function () {
    var i = fromHash();
    if (LIVE && hashRetrains()) { go(i === null ? current : i); return; }
    if (i !== null && i !== current) go(i);
  });

  // --- the level: one box per neuron, or every node; a neuron's nodes opened in place -----
  var levelButtons = { neuron: document.getElementById("level-neuron"), node: document.getElementById("level-node") };
  function startScale(V) { return Math.max(minScale(V), Math.min(1, fitScale(V))); }
  function setLevel(to) {
    var lay = layouts[Math.max(shownLayout, 0)];
    if (!lay) return;
    level = to === "neuron" && lay.views.neuron ? "neuron" : "node";
    if (opened) {
      opened.els.forEach(function (el) { el.classList.remove("opened"); });
      lay.views.node.svg.classList.remove("focused");
      opened = null;
    }
    showLayout(lay);
    document.getElementById("graph-pane").classList.toggle("neuron", level === "neuron");
    for (var key in levelButtons) {
      if (levelButtons[key]) levelButtons[key].setAttribute("aria-pressed", key === level ? "true" : "false");
    }
    scale = startScale(viewOf(lay));
    applyScale();
    pane.scrollLeft = 0; pane.scrollTop = 0;
    if (current >= 0) go(current);
  }
  // Open neuron `name` (L1.n3, or the sample's own L1.n3#2): its weights, inputs, bias and
  // its node at the node level, in the middle of the pane; the rest of the graph dimmed.
  function openNeuron(name) {
    var lay = layouts[Math.max(shownLayout, 0)], net = lay && lay.L.net;
    var found = null;
    if (net) {
      net.neurons.forEach(function (nr) {
        var n = lay.L.names[nr.k];
        if (n === name) found = nr;
        else if (!found && baseName(n) === name && net.samples[nr.k] === sample) found = nr;
      });
      if (!found) net.neurons.forEach(function (nr) { if (!found && baseName(lay.L.names[nr.k]) === name) found = nr; });
    }
    if (!found) throw new Error("explorer.open: no neuron named " + JSON.stringify(String(name)));
    if (net.samples[found.k] >= 0) sample = net.samples[found.k];
    setLevel("node");
    var V = lay.views.node, ins = lay.L.inputs[found.k];
    // its frame: the neuron and the parameters it owns; its inputs lit too, wherever they are
    var own = [found.k].concat(ins.filter(function (k) { return lay.L.kinds[k] === "p"; }));
    var frame = own.map(function (k) { return V.boxOf[k]; }).filter(Boolean);
    var els = [found.k].concat(ins).map(function (k) { return V.boxOf[k]; }).filter(Boolean);
    if (V.zOf[found.k]) { frame.push(V.zOf[found.k].el); els.push(V.zOf[found.k].el); }  // its z = w·x + b
    els.forEach(function (el) { el.classList.add("opened"); });
    V.svg.classList.add("focused");
    opened = { k: found.k, els: frame };
    var u = union(frame.map(function (el) { return el.getBoundingClientRect(); }));
    if (u) {
      var W = pane.clientWidth - 24, H = pane.clientHeight - 24;
      zoom(Math.max(minScale(V), Math.min(1, scale * Math.min(W / (u.right - u.left), H / (u.bottom - u.top)))));
      u = union(frame.map(function (el) { return el.getBoundingClientRect(); }));
      var p = pane.getBoundingClientRect();
      pane.scrollLeft += (u.left + u.right) / 2 - (p.left + pane.clientLeft + pane.clientWidth / 2);
      pane.scrollTop += (u.top + u.bottom) / 2 - (p.top + pane.clientTop + pane.clientHeight / 2);
    }
    if (current >= 0) go(current);
    return lay.L.names[found.k];
  }
  if (levelButtons.neuron) levelButtons.neuron.addEventListener("click", function () { setLevel("neuron"); });
  if (levelButtons.node) levelButtons.node.addEventListener("click", function () { setLevel("node"); });
  function currentNeuron() {
    var st = current >= 0 ? state(current) : null, net = st && st.lay.L.net, name = null;
    if (net && st.S.k >= 0) net.neurons.forEach(function (nr) { if (nr.k === st.S.k) name = st.lay.L.names[nr.k]; });
    return name;
  }

  // --- live: re-train in the page with the settings the learner picks --------------------
  // D.live (when the page was made from a model and a loss) holds the one-sample program the
  // engine (MGEngine, engine.js) trains, the run's settings, and each layout's ops, from which
  // a batch's drawing numbers (values, local partials) are computed again.
  var root = typeof globalThis !== "undefined" ? globalThis : window;
  var LIVE = D.live, ORIGINAL = { batches: D.batches, rows: D.rows, optimizer: D.optimizer, stopped: D.stopped };
  var MAX_PAGE_STEPS = 200000, BATCH_PHASES = ["feed", "forward", "loss", "backward", "update"];
  var recorded = LIVE ? LIVE.settings : null;
  var settings = recorded ? copySettings(recorded) : {};
  var OPTIMIZERS = { sgd: "SGD", momentum: "SGD with momentum", adam: "Adam" };
  var RECORDED = layouts.length, LOSSES = LIVE ? LIVE.losses || [recorded.loss] : [];
  if (LIVE) layouts.forEach(function (lay, li) { lay.ops = LIVE.ops[li]; });
  function copySettings(s) {
    var out = {};
    Object.keys(s).forEach(function (key) { out[key] = Array.isArray(s[key]) ? s[key].slice() : s[key]; });
    return out;
  }
  function fail(text) { throw new Error("explorer.retrain: " + text); }
  function number(value, what) {
    var x = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof x !== "number" || !isFinite(x)) fail(what + " must be a finite number, got " + JSON.stringify(value));
    return x;
  }
  // The settings after `changes`, checked (an Error naming the bad one; nothing changes)
  function merged(changes) {
    if (!LIVE) fail(D.fixed || "this page has no model to re-train");
    if (changes === null || typeof changes !== "object" || Array.isArray(changes)) fail("changes must be an object of settings");
    var s = copySettings(settings);
    Object.keys(changes).forEach(function (key) {
      if (!Object.prototype.hasOwnProperty.call(recorded, key)) fail("unknown setting " + JSON.stringify(key) + "; the settings are " + Object.keys(recorded).join(", "));
      s[key] = Array.isArray(changes[key]) ? changes[key].slice() : changes[key];
    });
    s.lr = number(s.lr, "lr");
    if (!(s.lr > 0)) fail("lr must be > 0, got " + s.lr);
    if (!OPTIMIZERS.hasOwnProperty(s.optimizer)) fail("optimizer must be sgd, momentum or adam, got " + JSON.stringify(s.optimizer));
    s.momentum = number(s.momentum, "momentum");
    if (!(s.momentum >= 0 && s.momentum < 1)) fail("momentum must be in [0, 1), got " + s.momentum);
    if (!Array.isArray(s.betas) || s.betas.length !== 2) fail("betas must be two numbers in [0, 1), got " + JSON.stringify(s.betas));
    s.betas = [number(s.betas[0], "betas[0]"), number(s.betas[1], "betas[1]")];
    s.betas.forEach(function (b, i) { if (!(b >= 0 && b < 1)) fail("betas[" + i + "] must be in [0, 1), got " + b); });
    s.epochs = number(s.epochs, "epochs");
    if (!(s.epochs >= 1) || Math.floor(s.epochs) !== s.epochs) fail("epochs must be a whole number >= 1, got " + s.epochs);
    s.eps = number(s.eps, "eps");
    if (!(s.eps > 0)) fail("eps must be > 0, got " + s.eps);
    s.weight_decay = number(s.weight_decay, "weight_decay");
    if (!(s.weight_decay >= 0)) fail("weight_decay must be >= 0, got " + s.weight_decay);
    if (s.batch_size !== null) {
      var size = typeof s.batch_size === "string" && s.batch_size.trim() !== "" ? Number(s.batch_size) : s.batch_size;
      if (typeof size !== "number" || !(size >= 1) || Math.floor(size) !== size || !isFinite(size)) {
        fail("batch_size must be a whole number >= 1, or null for every row, got " + JSON.stringify(s.batch_size));
      }
      s.batch_size = size;
    }
    if (LOSSES.indexOf(s.loss) < 0) {
      fail("loss must be " + (LOSSES.length > 1 ? "one of " + LOSSES.join(", ") : LOSSES[0] + " (this page's only one)") + ", got " + JSON.stringify(s.loss));
    }
    if (LIVE.program.pick && s.batch_size !== recorded.batch_size) {
      fail("batch_size: a cross-entropy page draws each batch on the recorded drawing of its rows' classes, so its batches stay " + (recorded.batch_size === null ? "every row" : recorded.batch_size + " row" + (recorded.batch_size === 1 ? "" : "s")));
    }
    checkData(s.data);
    if (s.init !== recorded.init || s.seed !== recorded.seed) {
      if (!LIVE.redraw || !LIVE.mlp || typeof root.mlpInit !== "function") {
        fail("init and seed: this page cannot draw new initial weights" + (LIVE.redraw ? " (pyrandom.js is missing)" : " (its weights were given, not drawn)"));
      }
      if (s.seed !== null) s.seed = number(s.seed, "seed");
      if (s.seed !== null && (Math.floor(s.seed) !== s.seed || Math.abs(s.seed) > 9007199254740991)) fail("seed must be a whole number within \u00b1(2^53 \u2212 1), or null, got " + s.seed);
    }
    return s;
  }
  // --- layouts for any batch size ---------------------------------------------------------
  // The drawings show one sample, so the graph of a batch of n rows is the recorded graph's
  // first sample copied n times: the shared nodes (parameters, constants) once, the sample's
  // nodes for each row (named as Python names them: x1[2], ŷ#2, t numbers in order), then
  // the tail once (the loss's sum or mean, gathering the n terms, and what follows it).
  var GATHERS = { sse: "sum", mse: "mean", hinge: "mean", bce: "mean" };
  var made = {}, madeCount = 0;  // the layouts drawn here, by loss and sample count
  // What each node of layout `lay` is: "s" shared, "0" the first sample's, "x" another
  // sample's, "t" the tail; and the node that gathers the samples (-1: the root is a term)
  function partsOf(lay) {
    var L = lay.L, map = L.nodeView || L.net, ops = lay.ops, n = lay.n, k;
    var samples = map ? map.samples : [];
    if (!map) {
      for (k = 0; k < n; k++) {
        if (!L.inputs[k].length) { samples.push(L.feeds[k][0] >= 0 ? L.feeds[k][0] : -1); continue; }
        var seen = {};
        L.inputs[k].forEach(function (i) { if (samples[i] !== -1) seen[samples[i]] = 1; });
        var keys = Object.keys(seen);
        samples.push(keys.length > 1 || seen[-2] ? -2 : (keys.length ? Number(keys[0]) : -1));
      }
    }
    var gather = samples.indexOf(-2);
    if (gather < 0 && ops[n - 1] && (ops[n - 1][0] === "sum" || ops[n - 1][0] === "mean")) gather = n - 1;
    // a constant read by one sample's nodes only is that sample's (Python makes one per row)
    var readers = {};
    for (k = 0; k < n; k++) L.inputs[k].forEach(function (i) { (readers[i] = readers[i] || []).push(samples[k]); });
    var part = samples.map(function (s, k2) {
      if (gather >= 0 && (k2 === gather || s === -2)) return "t";
      var by = readers[k2] || [];
      if (s === -1 && L.kinds[k2] === "c" && by.length && by.every(function (r) { return r >= 0 && r === by[0]; })) s = by[0];
      return s === -1 ? "s" : (s === 0 ? "0" : "x");
    });
    var terms = gather >= 0 ? L.inputs[gather].filter(function (i) { return part[i] === "0"; }) : [n - 1];
    for (k = 0; k < n; k++) {
      if (part[k] !== "t" || k === gather) continue;
      L.inputs[k].forEach(function (i) { if (part[i] === "0" || part[i] === "x") fail("batch_size: this page's loss does not gather its samples in one sum or mean, so it keeps its batches"); });
    }
    return { part: part, gather: gather, terms: terms, count: Math.max.apply(null, samples.concat([0])) + 1 };
  }
  function latexName(name) {
    if (name === "\u0177") return "\\hat{y}";
    var m = /^([A-Za-z])(\d+)$/.exec(name);
    if (m) return m[1] + "_{" + m[2] + "}";
    if (/^[A-Za-z]$/.test(name)) return name;
    return texText(name);
  }
  // Python's display names: the second of a name is name#2 (skipping names taken)
  function uniqueNames(bases) {
    var taken = {}, seen = {};
    bases.forEach(function (b) { taken[b] = 1; });
    return bases.map(function (base) {
      var count = (seen[base] || 0) + 1, name = base;
      seen[base] = count;
      if (count > 1) {
        var suffix = count;
        name = base + "#" + suffix;
        while (taken[name]) { suffix += 1; name = base + "#" + suffix; }
        seen[base] = suffix;
        taken[name] = 1;
      }
      return name;
    });
  }
  function remapTokens(tokens, at) {
    return tokens.map(function (t) {
      if (!Array.isArray(t)) return t;
      if (t[0] === "n" || t[0] === "v" || t[0] === "t" || t[0] === "s") return [t[0], at(t[1])];
      if (t[0] === "k") return ["k", at(t[1]), t[2]];
      if (t[0] === "^") return ["^", remapTokens(t[1], at)];
      return t;
    });
  }
  function joinedTokens(items, sep) {  // as Python's _joined: the middle elided past 12
    if (items.length > 12) items = items.slice(0, 3).concat([["\u22ef"]], items.slice(-2));
    var out = [];
    items.forEach(function (item, i) { if (i) out.push(sep); out = out.concat(item); });
    return out;
  }
  function gatherTokens(op, k, ins) {
    var sym = joinedTokens(ins.map(function (i) { return [["n", i]]; }), " + ");
    var num = joinedTokens(ins.map(function (i) { return [["v", i]]; }), " + ");
    var count = ["x", ins.length];
    if (op === "mean") { sym = ["("].concat(sym, [")/", count]); num = ["("].concat(num, [")/", count]); }
    return {
      fwd: [["n", k], " = "].concat(sym, [" = "], num, [" = ", ["v", k]]),
      loc: ins.map(function () { return op === "mean" ? ["1/", count] : ["1"]; })
    };
  }
  // A layout Python recorded for the page to copy (the other loss's, or two rows gathered),
  // with its drawings' markup from the page's <template>s
  function spareLayout(info) {
    if (info.lay) return info.lay;
    var lay = derive(info.layout, -1), markup = { node: "", neuron: "" };
    document.querySelectorAll("template.spare").forEach(function (t) {
      if (Number(t.getAttribute("data-spare")) === info.spare) markup[t.getAttribute("data-kind") === "neurons" ? "neuron" : "node"] = t.innerHTML;
    });
    lay.ops = info.ops; lay.batch = info.batch; lay.markup = markup;
    info.lay = lay;
    return lay;
  }
  // The layout of a batch of n rows with loss `loss`: a recorded one where it is the same
  function layoutFor(n, loss) {
    var alt = LIVE.alt && LIVE.alt.loss === loss ? LIVE.alt : null, op = GATHERS[loss] || "mean";
    var src = alt ? spareLayout(alt) : (LIVE.gather ? spareLayout(LIVE.gather) : layouts[ORIGINAL.batches[0].l]);
    for (var li = 0; li < RECORDED && !alt; li++) {
      var info = partsOf(layouts[li]);
      var sameOp = info.gather < 0 ? n === 1 : layouts[li].ops[info.gather][0] === op;
      if (info.count === n && sameOp) return layouts[li];
    }
    var key = loss + ":" + n;
    if (!made[key]) {
      var copy = copyLayout(src, n, op), lay = derive(copy.L, -1);
      lay.made = true; lay.ops = copy.ops; lay.from = copy.from; lay.source = src;
      made[key] = lay;
    }
    return made[key];
  }
  function copyLayout(R, n, op) {
    var L = R.L, info = partsOf(R), part = info.part, ops = R.ops;
    var from = [], sampleOf = [], at = [{}], shared = {}, tail = {}, first = [], k, j;
    function push(t, s) { from.push(t); sampleOf.push(s); return from.length - 1; }
    for (k = 0; k < R.n; k++) {
      if (part[k] === "s") shared[k] = push(k, -1);
      else if (part[k] === "0") { at[0][k] = push(k, 0); first.push(k); }
    }
    for (j = 1; j < n; j++) {
      at.push({});
      for (var q = 0; q < first.length; q++) at[j][first[q]] = push(first[q], j);
    }
    for (k = 0; k < R.n; k++) if (part[k] === "t") tail[k] = push(k, -2);
    var added = info.gather < 0;  // the root is the one sample's term: a sum or mean gathers n
    if (added) push(-1, -2);
    function place(i, s) {
      if (i in shared) return shared[i];
      if (i in tail) return tail[i];
      return at[s][i];
    }
    var size = from.length, inputs = [], newOps = [], fwd = [], loc = [], kinds = [], params = [], feeds = [];
    var gatherAt = added ? size - 1 : tail[info.gather], gathered = [];
    for (j = 0; j < n; j++) info.terms.forEach(function (t) { gathered.push(at[j][t]); });
    var bases = [], counters = { t: 0, c: 0 }, origins = L.origins ? [] : null;
    for (k = 0; k < size; k++) {
      var t = from[k], s = Math.max(sampleOf[k], 0);
      var here = function (i) { return place(i, s); };
      if (k === gatherAt) {
        inputs.push(gathered);
        newOps.push([op, []]);
        var g = gatherTokens(op, k, gathered);
        fwd.push(g.fwd); loc.push(g.loc);
        kinds.push("o"); params.push(-1); feeds.push([-1, -1]);
        bases.push(added ? "L" : L.names[t]);
        if (origins) origins.push(added ? null : L.origins[t]);
        continue;
      }
      inputs.push(L.inputs[t].map(here));
      newOps.push(ops[t]);
      fwd.push(L.fwd[t] ? remapTokens(L.fwd[t], here) : null);
      loc.push(L.loc[t] ? L.loc[t].map(function (tokens) { return remapTokens(tokens, here); }) : null);
      kinds.push(L.kinds[t]); params.push(L.params[t]);
      var fed = L.feeds[t][0] >= 0;
      feeds.push(fed ? [s, L.feeds[t][1]] : [-1, -1]);
      if (origins) origins.push(L.origins[t]);
      var name = L.names[t];
      if (fed) bases.push(D.columns[L.feeds[t][1]] + (n > 1 ? "[" + (s + 1) + "]" : ""));
      else if (/^t\d+(#\d+)?$/.test(name) && L.inputs[t].length || (added && t === R.root)) bases.push("t" + (++counters.t));
      else if (/^c\d+(#\d+)?$/.test(name) && !L.inputs[t].length) bases.push("c" + (++counters.c));
      else bases.push(baseName(name));
    }
    var names = uniqueNames(bases);
    var edgeFrom = [];  // per edge: the recorded layout's edge that draws it (-1: none)
    for (k = 0; k < size; k++) {
      if (k === gatherAt) {
        gathered.forEach(function (_, p) {
          var pos = added ? -1 : L.inputs[info.gather].indexOf(info.terms[p % info.terms.length]);
          edgeFrom.push(pos < 0 ? -1 : R.off[info.gather] + pos);
        });
      } else {
        for (j = 0; j < L.inputs[from[k]].length; j++) edgeFrom.push(R.off[from[k]] + j);
      }
    }
    function view(map, svg) {  // a drawing's map: the recorded one's ids for the copies
      var boxOf = function (t) {
        if (t < 0) return "";
        if (map) return map.boxes[t];
        return svg && svg.querySelector('[id="node-n' + t + '"]') ? "node-n" + t : "";
      };
      var edgeOf = function (e) {
        if (e < 0) return "";
        if (map) return map.edges[e];
        return svg && svg.querySelector('[id="edge-' + e + '"]') ? "edge-" + e : "";
      };
      return { boxes: from.map(boxOf), edges: edgeFrom.map(edgeOf), samples: sampleOf.slice(), neurons: [] };
    }
    var drawn = R.views ? R.views.node.svg : document.createElement("div");
    if (!R.views) drawn.innerHTML = R.markup.node;  // parsed, not shown: to read its ids
    var nodeView = view(L.nodeView, drawn), net = null;
    if (L.net) {
      net = view(L.net, null);
      var offNew = [], e = 0;
      for (k = 0; k < size; k++) { offNew.push(e); e += inputs[k].length; }
      L.net.neurons.forEach(function (nr) {
        var p = part[nr.k], copies = p === "0" ? n : (p === "s" || p === "t" ? 1 : 0);
        for (var s2 = 0; s2 < copies; s2++) {
          var k2 = place(nr.k, s2);
          net.neurons.push({ k: k2, act: nr.act,
            w: nr.w.map(function (we) { return offNew[k2] + we - R.off[nr.k]; }),
            x: nr.x.map(function (x) { return x >= 0 ? place(x, s2) : -1; }) });
        }
      });
    }
    if (net) { net.room = L.net.room; net.roomAt = L.net.roomAt; }  // the neuron maps' room
    // the neurons drawn as z = w·x + b and a(z), each sample's own nodes
    var split = [];
    (L.split || []).forEach(function (sp) {
      var p = part[sp.k], copies = p === "0" ? n : (p === "s" || p === "t" ? 1 : 0);
      for (var s3 = 0; s3 < copies; s3++) {
        var at3 = function (i) { return i >= 0 ? place(i, s3) : -1; };
        split.push({ k: place(sp.k, s3), act: sp.act, w: sp.w.map(at3), x: sp.x.map(at3), b: at3(sp.b), c: sp.c });
      }
    });
    var copy = { names: names, latex: names.map(latexName), kinds: kinds.join(""), inputs: inputs, params: params,
                 feeds: feeds, fwd: fwd, loc: loc, net: net, nodeView: nodeView, split: split };
    if (origins) copy.origins = origins;
    return { L: copy, ops: newOps, from: from, source: R };
  }
  function initial(s) {
    if (s.init === recorded.init && s.seed === recorded.seed) return LIVE.program.init.slice();
    var m = LIVE.mlp;
    return root.mlpInit(m.nin, m.nouts, { seed: s.seed, init: s.init, bias: m.bias, activation: m.activation,
                                          output_activation: m.output_activation });
  }
  // The program the engine trains for loss `loss`, and the rows in its labels (bce's 0 and
  // 1 for a page recorded with hinge's -1 and 1, and back)
  function programOf(loss) {
    if (loss === recorded.loss) return LIVE.program;
    if (LIVE.alt && LIVE.alt.loss === loss) return LIVE.alt.program;
    var p = copySettings(LIVE.program);
    p.mean = GATHERS[loss] === "mean";
    return p;
  }
  // What the note says when the loss trains on other labels than the rows show
  function labelNote(loss) {
    var want = programOf(loss).targets, have = LIVE.program.targets;
    if (!want || !have || want.join() === have.join()) return "";
    return " " + loss + " trains on labels " + want.join(" and ") + ": the rows' " + have.map(function (h, i) { return f7(h) + " is " + f7(want[i]); }).join(", ") + " to it.";
  }
  function rowsFor(loss, rows) {
    var want = programOf(loss).targets, have = LIVE.program.targets;
    if (!want || !have || want.join() === have.join()) return rows;
    var width = rows.length ? rows[0].length : 0, tcount = LIVE.program.terms.length;
    return rows.map(function (r) {
      return r.map(function (x, j) { return j >= width - tcount ? want[have.indexOf(x)] : x; });
    });
  }
  // The batch a layout's constant leaves and dot constants are read from
  function templateBatch(lay) {
    var src = lay.made ? lay.source : lay, found = null;
    if (src.batch) return src.batch;
    ORIGINAL.batches.forEach(function (B) { if (!found && B.l === src.li) found = B; });
    return found;
  }
  // Train with settings `s` on `rows`: new batch records in the page's format, or an Error
  function trainRecords(s, rows) {
    Object.keys(made).forEach(function (key) { if (!made[key].views) delete made[key]; });  // never shown
    var fed = rowsFor(s.loss, rows);
    // the page's steps, known before training: refuse a run too long to show at once
    var size = s.batch_size === null ? rows.length : Math.min(s.batch_size, rows.length), full = Math.floor(rows.length / size);
    var stepsOf = function (n) {
      var lay = LIVE.program.pick ? layouts[ORIGINAL.batches[0].l] : layoutFor(n, s.loss);
      return BATCH_PHASES.length + lay.fwd.length + lay.bwd.length;
    };
    var perEpoch = full * stepsOf(size) + (rows.length % size ? stepsOf(rows.length % size) : 0);
    var expected = 1 + s.epochs * perEpoch;
    if (expected > MAX_PAGE_STEPS) fail("the page would have " + expected + " steps, more than " + MAX_PAGE_STEPS + "; train fewer epochs");
    var run = root.MGEngine.train(programOf(s.loss), s, initial(s), fed);
    if (!run.batches.length) fail("training stopped at its first batch: " + run.stopped);
    var records = run.batches.map(function (rec, i) {
      // a cross-entropy batch is drawn on the recorded layout of its rows' classes (each class
      // wires its own drawing); any other batch on the layout for its size and loss
      var lay = LIVE.program.pick ? layouts[classLayout(rows, rec.rows, ORIGINAL.batches[0].l)] : layoutFor(rec.rows.length, s.loss);
      var L = lay.L, ops = lay.ops, T = templateBatch(lay);
      var from = lay.made ? lay.from : null, consts = {};
      var v = new Array(lay.n), d = [];
      for (var k = 0; k < lay.n; k++) {
        var t = from ? from[k] : k;
        if (t >= 0 && T.k[String(t)]) consts[String(k)] = T.k[String(t)];
        if (!L.inputs[k].length) {
          if (L.params[k] >= 0) v[k] = rec.before[L.params[k]];
          else if (L.feeds[k][0] >= 0) v[k] = fed[rec.rows[L.feeds[k][0]]][L.feeds[k][1]];
          else v[k] = T.v[t];
          continue;
        }
        var out = root.MGEngine.apply(ops[k][0], L.inputs[k].map(function (j) { return v[j]; }), ops[k][1]);
        v[k] = out[0];
        for (var j = 0; j < out[1].length; j++) d.push(out[1][j]);
      }
      var drawnLoss = v[lay.root];
      if (!(drawnLoss === rec.loss || Math.abs(drawnLoss - rec.loss) <= 1e-12 * Math.abs(rec.loss))) {
        fail("the drawing of a batch of " + rec.rows.length + " rows gives the loss " + drawnLoss + ", the engine " + rec.loss);
      }
      var phases = i === 0 ? ["init"].concat(BATCH_PHASES) : BATCH_PHASES.slice();
      return { lay: lay, e: rec.epoch, b: rec.batch, r: rec.rows, v: v, d: d, k: from ? consts : T.k,
               u: lay.drawn.map(function (k2) { return rec.after[L.params[k2]]; }), p: phases };
    });
    var names = {};
    LIVE.program.params.forEach(function (name, i) { names[name] = run.params[i]; });
    return { records: records, stopped: run.stopped, losses: run.losses, params: names };
  }
  // The layouts a new run uses: the recorded ones and those drawn here (the others let go)
  function commitLayouts(records) {
    var inUse = [];
    records.forEach(function (R) { if (R.lay.made && inUse.indexOf(R.lay) < 0) inUse.push(R.lay); });
    Object.keys(made).forEach(function (key) {
      var lay = made[key];
      if (inUse.indexOf(lay) >= 0) return;
      if (lay.views) [lay.views.node, lay.views.neuron].forEach(function (V) { if (V) V.div.parentNode.removeChild(V.div); });
      delete made[key];
    });
    layouts = layouts.slice(0, RECORDED).concat(inUse);
    layouts.forEach(function (lay, li) { lay.li = li; });
    LIVE.ops = layouts.map(function (lay) { return lay.ops; });
    records.forEach(function (R) { R.l = R.lay.li; delete R.lay; });
  }
  // A drawn-here layout's views: copies of its source's drawings, mapped to its nodes
  function makeViews() {
    var parent = layouts[0].views.node.div.parentNode;
    layouts.forEach(function (lay) {
      if (lay.views) return;
      var src = lay.source, uid = "m" + (++madeCount);
      function copyOf(markup, kind, cls) {
        var div = document.createElement("div");
        div.className = cls;
        div.hidden = true;
        div.innerHTML = markup;
        parent.appendChild(div);
        var V = makeView(lay, div, kind, uid + kind[0]);
        // a box's first line is the source's name for it: the part each sample renames
        V.boxes.forEach(function (rec) {
          var first = rec.named[0] !== undefined ? rec.named[0] : (rec.named.all !== undefined ? rec.named.all : mainOf(rec, 0));
          if (lay.from[first] >= 0) rec.name0 = baseName(src.L.names[lay.from[first]]);
        });
        return V;
      }
      lay.views = { node: copyOf(src.markup.node, "node", "layout") };
      if (lay.L.net && src.markup.neuron) lay.views.neuron = copyOf(src.markup.neuron, "neuron", "neurons");
    });
    applyScale();
  }
  function optimizerText(s) {
    return { name: OPTIMIZERS[s.optimizer], lr: s.lr, sgd: s.optimizer === "sgd" || (s.optimizer === "momentum" && !s.momentum) };
  }
  // Re-train with `changes` merged into the settings; rebuild the steps; {losses, params}
  function retrain(changes, quiet) {
    var s = merged(changes || {});
    if (s.data !== null && s.data !== rowsSet) return chooseData(s);
    var rows = D.rows;
    var result = trainRecords(s, rows);
    settings = s;
    var shownBefore = layouts[Math.max(shownLayout, 0)];
    commitLayouts(result.records);
    D.batches = result.records;
    sample = 0;
    makeViews();
    shownLayout = layouts.indexOf(shownBefore);
    if (shownLayout < 0) shownLayout = D.batches[0].l;  // its drawing is gone (another batch size)
    D.batchCount = batchesPerEpoch = Math.max.apply(null, result.records.map(function (R) { return R.b; }));
    plotRun = null;
    D.stopped = result.stopped;
    D.optimizer = optimizerText(s);
    buildSteps();
    if (opened && shownBefore && (current < 0 || state(Math.min(current, steps.length - 1)).lay !== shownBefore)) {
      // the step moves to another drawing: the neuron opened in this one closes
      var was = shownBefore.views.node.svg;
      was.classList.remove("focused");
      was.querySelectorAll(".opened").forEach(function (el) { el.classList.remove("opened"); });
      opened = null;
    }
    chartScale();
    slider.max = String(Math.max(steps.length, 1));
    showSettings();
    if (!quiet) {
      var labels = labelNote(s.loss);
      note((result.stopped ? "Re-trained: training " + result.stopped : "Re-trained: " + result.losses.length + " steps, last loss " + f7(result.losses[result.losses.length - 1]) + ".") + labels, !!result.stopped);
      go(Math.min(current, steps.length - 1));
    }
    return { losses: result.losses, params: result.params };
  }
  function setRows(rows) {
    if (!LIVE) throw new Error("explorer.setRows: " + (D.fixed || "this page has no model to re-train"));
    // the drawing is of one sample, copied for each row of a batch: any count will do
    if (!Array.isArray(rows) || rows.length < 1) throw new Error("explorer.setRows: give at least one row");
    var width = D.rows[0].length, clean = rows.map(function (r, i) {
      if (!Array.isArray(r) || r.length !== width) throw new Error("explorer.setRows: row " + i + " must be " + width + " numbers");
      return r.map(function (x, j) {
        if (typeof x !== "number" || !isFinite(x)) throw new Error("explorer.setRows: row " + i + ", column " + j + " is not a finite number: " + JSON.stringify(x));
        var allowed = LIVE.program.targets;
        if (allowed && j >= width - LIVE.program.terms.length && allowed.indexOf(x) < 0) {
          throw new Error("explorer.setRows: row " + i + ", column " + j + " is a class label, " + allowed.join(" or ") + ", got " + x);
        }
        return x;
      });
    });
    var old = D.rows;
    D.rows = clean;
    try { return retrain({}); } catch (err) { D.rows = old; throw err; }
  }
  // --- the built-in data sets (live.datasets, by name): settings.data names the rows' set ----
  var rowsSet = recorded ? recorded.data : null;  // the set D.rows holds; null: the learner's
  function dataNames() { return Object.keys((LIVE && LIVE.datasets) || {}); }
  function checkData(name) {
    if (name === null) return;
    var names = dataNames();
    if (typeof name !== "string" || names.indexOf(name) < 0) {
      fail("data must be " + (names.length ? "one of " + names.join(", ") : "null: this page has no built-in sets") + ", got " + JSON.stringify(name));
    }
  }
  // Replace the rows (as setRows does, and re-train), saying which set they are (null: none)
  function setRowsOf(rows, name) {
    var keep = settings, keepSet = rowsSet;
    settings = copySettings(settings);
    settings.data = name;
    rowsSet = name;
    try { return setRows(rows); } catch (err) { settings = keep; rowsSet = keepSet; throw err; }
  }
  // Settings `s` whose data is another set: its rows, through setRows, with the plot reframed
  function chooseData(s) {
    var keep = settings, frame = plotFrame;
    settings = s;
    plotFrame = null;
    try {
      var out = setRowsOf(LIVE.datasets[s.data].map(function (r) { return r.slice(); }), s.data);
      if (noteBox) note("Data: " + s.data + ", " + D.rows.length + " rows. " + noteBox.textContent, noteBox.className === "bad");
      return out;
    } catch (err) {
      settings = keep;
      plotFrame = frame;
      fail("data " + JSON.stringify(s.data) + ": " + err.message.replace(/^explorer\.\w+: /, ""));
    }
  }
  var dataSelect = null;
  function setUpDataChoice(apply) {
    var names = dataNames();
    if (!names.length || !panel) return;
    var label = document.createElement("label");
    label.appendChild(document.createTextNode("data "));
    dataSelect = document.createElement("select");
    dataSelect.id = "set-data";
    names.concat([""]).forEach(function (name) {
      var o = document.createElement("option");
      o.value = name;
      o.textContent = name || "your rows";
      dataSelect.appendChild(o);
    });
    label.appendChild(dataSelect);
    field("set-reset").parentNode.insertBefore(label, field("set-reset"));
    dataSelect.addEventListener("change", function () {
      if (dataSelect.value) apply({ data: dataSelect.value });
    });
    showDataChoice();
  }
  function showDataChoice() {
    if (!dataSelect) return;
    var own = dataSelect.querySelector('option[value=""]');
    own.hidden = own.disabled = settings.data !== null;
    dataSelect.value = settings.data === null ? "" : settings.data;
  }
  // cross_entropy's graph reads the logit of the row's class: a batch is drawn on the layout
  // recorded for a batch of the same classes (other losses: `li`, the batch number's)
  var layoutOfClasses = null;  // "class,class,…" of a recorded batch's rows -> its layout
  function classesOf(rows, batch) {
    return batch.map(function (r) { return rows[r][rows[r].length - 1]; }).join(",");
  }
  function classLayout(rows, batch, li) {
    if (!LIVE.program.pick) return li;
    if (!layoutOfClasses) {
      layoutOfClasses = {};
      ORIGINAL.batches.forEach(function (B) {
        var key = classesOf(ORIGINAL.rows, B.r);
        if (!Object.prototype.hasOwnProperty.call(layoutOfClasses, key)) layoutOfClasses[key] = B.l;
      });
    }
    var found = layoutOfClasses[classesOf(rows, batch)];
    if (found === undefined) fail("this page has no drawing of a batch of classes " + classesOf(rows, batch));
    return found;
  }
  function resetRun() {
    if (!LIVE) return null;
    D.rows = ORIGINAL.rows;
    settings = copySettings(recorded);
    var out = retrain({});
    note("Reset: the recorded run.", false);
    return out;
  }
  // The settings that differ from the recorded run, for the URL fragment: "&lr=0.5&optimizer=adam"
  var HASH_KEYS = ["lr", "optimizer", "momentum", "betas", "eps", "weight_decay", "epochs", "init", "seed", "batch_size", "loss", "data"];
  function settingsHash() {
    if (!LIVE) return "";
    var out = "";
    HASH_KEYS.forEach(function (key) {
      var a = settings[key], b = recorded[key];
      if (key === "data" && a === null) return;  // the learner's own rows: not in a link
      if (JSON.stringify(a) !== JSON.stringify(b)) out += "&" + key + "=" + encodeURIComponent(Array.isArray(a) ? a.join(",") : String(a));
    });
    return out;
  }
  // A fragment edited by hand (or a link followed in the same page): its settings, trained
  function hashRetrains() {
    var linked = settingsFromHash() || {}, want = copySettings(recorded);
    Object.keys(linked).forEach(function (key) { want[key] = linked[key]; });
    var same = HASH_KEYS.every(function (key) { return JSON.stringify(want[key]) === JSON.stringify(settings[key]); });
    if (same) return false;
    var keep = settings;
    settings = copySettings(recorded);
    try { retrain(linked, true); } catch (err) { settings = keep; note("The link's settings were not used: " + err.message, true); return false; }
    note("Re-trained with the link's settings.", false);
    return true;
  }
  function settingsFromHash() {
    if (!LIVE) return null;
    var changes = null;
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var eqAt = part.indexOf("="), key = part.slice(0, eqAt), raw;
      if (eqAt < 0 || HASH_KEYS.indexOf(key) < 0) return;
      try { raw = decodeURIComponent(part.slice(eqAt + 1)); } catch (err) { return; }
      var value = raw;
      if (key === "betas") value = raw.split(",").map(Number);
      else if (key === "optimizer" || key === "loss") value = raw;
      else if (key === "batch_size") value = raw === "null" || raw === "all" ? null : Number(raw);
      else if (key === "init" || key === "data") value = raw === "null" ? null : raw;
      else if (key === "seed") value = raw === "null" ? null : Number(raw);
      else value = Number(raw);
      changes = changes || {};
      changes[key] = value;
    });
    return changes;
  }

  // The settings panel: the learner's controls (only on a page that can re-train)
  var panel = document.getElementById("settings"), noteBox = document.getElementById("settings-note");
  function note(text, bad) {
    if (!noteBox) return;
    noteBox.textContent = text;
    noteBox.className = bad ? "bad" : "";
  }
  function field(id) { return document.getElementById(id); }
  function showSettings() {
    if (!LIVE || !panel) return;
    field("set-lr").value = String(settings.lr);
    field("set-optimizer").value = settings.optimizer;
    field("set-momentum").value = String(settings.momentum);
    field("set-beta1").value = String(settings.betas[0]);
    field("set-beta2").value = String(settings.betas[1]);
    field("set-epochs").value = String(settings.epochs);
    field("set-batch").value = settings.batch_size === null ? "all" : String(settings.batch_size);
    if (field("set-loss")) field("set-loss").value = settings.loss;
    field("set-init").value = settings.init === null ? "" : settings.init;
    field("set-seed").value = settings.seed === null ? "" : String(settings.seed);
    panel.setAttribute("data-optimizer", settings.optimizer);
    showDataChoice();
  }
  function setUpControls() {
    if (!panel) return;
    if (!LIVE) {
      panel.classList.add("fixed");
      note("The settings are fixed: " + (D.fixed || "this page shows one recorded run") + ".", false);
      return;
    }
    var canRedraw = LIVE.redraw && LIVE.mlp && typeof root.mlpInit === "function";
    field("set-init").disabled = !canRedraw;
    field("set-seed").disabled = !canRedraw;
    if (!canRedraw) {
      field("set-init").title = field("set-seed").title = LIVE.redraw ? "needs pyrandom.js" : "this model's weights were given, not drawn";
    }
    field("set-batch").disabled = !!LIVE.program.pick;
    field("set-batch").title = LIVE.program.pick ? "a cross-entropy page draws each batch on the recorded drawing of its rows' classes, so its batch size stays" : "rows per batch: a whole number, or all";
    var lossSelect = field("set-loss");
    if (lossSelect) {
      LOSSES.forEach(function (name) {
        var o = document.createElement("option");
        o.value = name; o.textContent = name;
        lossSelect.appendChild(o);
      });
      lossSelect.disabled = LOSSES.length < 2;
      lossSelect.title = LIVE.alt ? "bce trains on labels 0 and 1: the page's -1 is 0 to it" : "";
      lossSelect.addEventListener("change", function () { apply({ loss: lossSelect.value }); });
    }
    field("set-batch").addEventListener("change", function () {
      var v = field("set-batch").value.trim();
      apply({ batch_size: v === "" || v.toLowerCase() === "all" ? null : v });
    });
    function apply(changes) {
      try { retrain(changes); } catch (err) { note(err.message.replace(/^explorer\.retrain: /, ""), true); showSettings(); }
    }
    field("set-lr").addEventListener("change", function () { apply({ lr: field("set-lr").value }); });
    field("set-optimizer").addEventListener("change", function () { apply({ optimizer: field("set-optimizer").value }); });
    field("set-momentum").addEventListener("change", function () { apply({ momentum: field("set-momentum").value }); });
    field("set-beta1").addEventListener("change", function () { apply({ betas: [field("set-beta1").value, settings.betas[1]] }); });
    field("set-beta2").addEventListener("change", function () { apply({ betas: [settings.betas[0], field("set-beta2").value] }); });
    field("set-epochs").addEventListener("change", function () { apply({ epochs: field("set-epochs").value }); });
    field("set-init").addEventListener("change", function () { apply({ init: field("set-init").value || null }); });
    field("set-seed").addEventListener("change", function () { var v = field("set-seed").value; apply({ seed: v === "" ? null : v }); });
    field("set-reset").addEventListener("click", function () { resetRun(); go(0); });
    setUpDataChoice(apply);
    panel.hidden = false;
    showSettings();
  }

  var api = Object.freeze({
    get steps() { return steps; },
    get settings() { return Object.freeze(copySettings(settings)); },
    get rows() { return D.rows.map(function (r) { return r.slice(); }); },
    // where the point (x1, x2) is drawn in the data plot, in CSS pixels from its top left
    plotPoint: function (x1, x2) {
      if (!plotOn) return null;
      if (!plotFrame) plotFrame = frameOf(D.rows);
      var q = toPlot(x1, x2), rect = plot.getBoundingClientRect();
      return [q[0] * rect.width / PLOT_W, q[1] * rect.height / PLOT_H];
    },
    // the model's output at each input in `xs`, with the parameters of the current step
    // what the chart shows: "" or "loss" for the loss, else a parameter's name
    chart: function (name) { return chartBy(name === "loss" ? "" : name); },
    get charted() { return chartOf || "loss"; },
    neuronMap: function (name) { return neuronMap(name); },
    predict: function (xs) { return plotOn ? plotRun.program.predict(plotParams(state(current)).params, xs) : null; },
    retrain: function (changes) { return retrain(changes); },
    setRows: function (rows) { return setRowsOf(rows, null); },
    reset: function () { return resetRun(); },
    go: function (i) { go(i); return current; },
    get current() { return current; },
    get playing() { return timer !== null; },
    get level() { return level; },
    open: function (name) { return openNeuron(name); },
    close: function () { setLevel("neuron"); return level; }
  });
  window.explorer = api;
  if (!D.rows.length) {
    // one backward pass (render_steps): no epochs, batches or loss curve to move through
    ["first-epoch", "prev-batch", "next-batch", "next-epoch", "chart", "chart-heading"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.style.display = "none";
    });
    var help = document.getElementById("help");
    if (help) help.textContent = help.textContent.replace(", Page Up/Down batch", "");
  }
  shownLayout = D.batches.length ? D.batches[0].l : 0;
  var hasNeurons = layouts.some(function (lay) { return lay.views.neuron; });
  document.getElementById("levels").hidden = !hasNeurons;
  setLevel(hasNeurons ? "neuron" : "node");
  setUpControls();
  setUpPlot();
  mapLegend();
  setUpChartSelect();
  var start = fromHash();
  var linked = settingsFromHash();
  if (linked) {
    try { retrain(linked, true); } catch (err) { note("The link's settings were not used: " + err.message, true); }
  }
  go(start === null ? 0 : start);
})();

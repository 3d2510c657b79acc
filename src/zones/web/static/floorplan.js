/* The floor plan's keyboard: the map is one tab stop (a roving tabindex), the arrow keys move
   focus to the nearest desk in that direction, Enter (or Space) opens the desk. Moving focus never
   calls the server; only opening a desk does (it follows the desk's link). Without this script
   every desk is its own tab stop, and the list view holds the same data.
   Workshop rooms (tiles inside their zone, links to the room's day) join the desks in the one
   roving tabindex rather than getting tab stops of their own: the map stays a single tab stop, and
   a room is reached with the arrow keys by where it lies, like a desk. */
(function () {
  "use strict";

  var PLACES = "a.desk, a.room";
  var DIRECTIONS = {
    ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1]
  };

  function position(desk) {
    return [parseFloat(desk.getAttribute("data-x")), parseFloat(desk.getAttribute("data-y"))];
  }

  /* The nearest desk whose centre lies in the direction (within 45 degrees either side first),
     distance along the direction counting less than distance across it. */
  function nearest(desks, from, direction) {
    var origin = position(from);
    var best = null;
    var bestScore = Infinity;
    desks.forEach(function (desk) {
      if (desk === from) { return; }
      var p = position(desk);
      var dx = p[0] - origin[0];
      var dy = p[1] - origin[1];
      var along = dx * direction[0] + dy * direction[1];
      var across = Math.abs(dx * direction[1] - dy * direction[0]);
      if (along <= 0.5) { return; }
      var score = along + across * (across > along ? 4 : 2);
      if (score < bestScore) { bestScore = score; best = desk; }
    });
    return best;
  }

  function setUp(map) {
    var desks = Array.prototype.slice.call(map.querySelectorAll(PLACES));
    if (!desks.length) { return; }
    var current = desks[0];
    desks.forEach(function (desk) { desk.setAttribute("tabindex", desk === current ? "0" : "-1"); });

    function moveTo(desk) {
      current.setAttribute("tabindex", "-1");
      desk.setAttribute("tabindex", "0");
      current = desk;
      desk.focus();
    }

    map.addEventListener("focusin", function (event) {
      var desk = event.target.closest ? event.target.closest(PLACES) : null;
      if (desk && desk !== current) {
        current.setAttribute("tabindex", "-1");
        desk.setAttribute("tabindex", "0");
        current = desk;
      }
    });

    map.addEventListener("keydown", function (event) {
      var desk = event.target.closest ? event.target.closest(PLACES) : null;
      if (!desk || event.altKey || event.ctrlKey || event.metaKey) { return; }
      var direction = DIRECTIONS[event.key];
      if (direction) {
        event.preventDefault();
        var next = nearest(desks, desk, direction);
        if (next) { moveTo(next); }
      } else if (event.key === "Home" || event.key === "End") {
        event.preventDefault();
        moveTo(event.key === "Home" ? desks[0] : desks[desks.length - 1]);
      } else if (event.key === " " || event.key === "Enter") {
        /* SVG links are not activated by the keyboard in every browser: follow the link here. */
        event.preventDefault();
        window.location.assign(desk.getAttribute("href"));
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-floor-map]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

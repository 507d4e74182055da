"""Place labels that never overlap: a greedy placement in the browser after every zoom and pan.

Every label has a point, a text and a priority.  After each zoom, pan or resize the labels in
view are taken by priority (highest first); each is put on the right of its point, else on the
left, above or below, at the first side where it overlaps no label already placed and no map
control; a label that fits nowhere is hidden until there is room.  Labels that belong to a pair of
the corridor map (its crossings) are shown only while that pair is selected, and the selected
pair's origin and destination are labelled first, in bold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from silkroute.maps.controls import _macro

if TYPE_CHECKING:
    import folium

__all__: list[str] = []

#: Pixels between a label and its point, and between two labels.
OFFSET = 6
GAP = 3


def _label(
    lat: float, lon: float, text: str, priority: float, *, kind: str = "city", pair: int | None = None, ident: str = ""
) -> dict[str, Any]:
    """Return one label record (``kind`` is its CSS class suffix: city, minor, crossing, cut, end)."""
    return {
        "lat": round(float(lat), 5),
        "lon": round(float(lon), 5),
        "text": str(text),
        "p": float(priority),
        "kind": kind,
        "pair": pair,
        "id": ident,
    }


def _add_labels(m: folium.Map, labels: Sequence[Mapping[str, Any]]) -> None:
    """Record labels on ``m`` (drawn by the script that :func:`_labels_script` returns)."""
    info = m.__dict__.setdefault("silkroute", {"routes": [], "legend": [], "markers": {}, "layers": {}})
    info.setdefault("labels", []).extend(labels)


def _labels_script(labels: list[Mapping[str, Any]]) -> Any:
    """Return the element that creates the label layer and places the labels."""
    return _macro(_LABELS_JS, labels=labels, offset=OFFSET, gap=GAP)


_LABELS_JS = """(function(m,items,off,gap){
var SR=window.SR=window.SR||{};var pane=m.createPane('sr-labels');pane.style.zIndex=640;
pane.style.pointerEvents='none';var active={},all=[];
items.forEach(function(d,i){var span=document.createElement('span');span.textContent=d.text;
var icon=L.divIcon({className:'sr-lab sr-lab-'+d.kind,html:span.outerHTML,iconSize:[0,0],iconAnchor:[0,0]});
all.push({d:d,i:i,mk:L.marker([d.lat,d.lon],{icon:icon,interactive:false,keyboard:false,pane:'sr-labels'}),w:0,h:0,el:null});});
function shown(l){return l.d.pair===null||l.d.pair===undefined||!!active[l.d.pair];}
function lead(l){return l.d.kind==='end'||l.d.kind==='origin';}
function obstacles(){var k=m.getContainer().getBoundingClientRect(),out=[];
m.getContainer().querySelectorAll('.leaflet-control,.sr-title').forEach(function(e){var r=e.getBoundingClientRect();
if(r.width&&r.height){out.push([r.left-k.left,r.top-k.top,r.right-k.left,r.bottom-k.top]);}});return out;}
function hit(a,b){return a[0]<b[2]+gap&&a[2]+gap>b[0]&&a[1]<b[3]+gap&&a[3]+gap>b[1];}
function place(){var view=m.getBounds().pad(0.05),size=m.getSize(),cand=[],over={};
all.forEach(function(l){if(l.d.id&&lead(l)&&shown(l)){over[l.d.id]=true;}});
all.forEach(function(l){var on=shown(l)&&!(l.d.id&&over[l.d.id]&&!lead(l))&&view.contains(l.mk.getLatLng());
if(on&&!m.hasLayer(l.mk)){l.mk.addTo(m);l.el=l.mk.getElement().firstChild;}
if(!on&&m.hasLayer(l.mk)){m.removeLayer(l.mk);l.el=null;}if(on){cand.push(l);}});
cand.forEach(function(l){if(!l.w){l.w=l.el.offsetWidth;l.h=l.el.offsetHeight;}});
cand.sort(function(a,b){return b.d.p-a.d.p||a.i-b.i;});var taken=obstacles(),n=0;
cand.forEach(function(l){var p=m.latLngToContainerPoint(l.mk.getLatLng()),w=l.w,h=l.h,best=null;
var sides=[[off,-h/2],[-off-w,-h/2],[-w/2,-off-h],[-w/2,off]];
for(var s=0;s<sides.length&&!best;s++){var x=p.x+sides[s][0],y=p.y+sides[s][1],box=[x,y,x+w,y+h];
if(x<0||y<0||x+w>size.x||y+h>size.y){continue;}
if(!taken.some(function(t){return hit(box,t);})){best=sides[s];taken.push(box);}}
if(best){l.el.style.left=best[0]+'px';l.el.style.top=best[1]+'px';l.el.style.visibility='visible';n++;}
else{l.el.style.visibility='hidden';}});SR.labelsShown=n;}
SR.labels=all;SR.placeLabels=place;
SR.showLabels=function(pair){active={};if(pair!==null&&pair!==undefined){active[pair]=true;}place();};
m.on('zoomend moveend resize',place);m.whenReady(function(){setTimeout(place,0);});place();
if(document.fonts){document.fonts.ready.then(function(){all.forEach(function(l){l.w=0;});place();});}
})({map},{labels},{offset},{gap});"""

# sipward demo load plot (demo/demo.py calls: gnuplot -e "datafile=...; outfile=...; best=N")
# Columns of datafile: offered achieved failed_pct cpu_us_per_req verified rejected
set terminal pngcairo size 900,520 font "sans,10"
set output outfile
set title "sipwardd proxy 1: presigned SIPp OPTIONS (2 cores shared by SIPp, engine, Kamailio)"
set xlabel "offered rate (requests/s)"
set ylabel "achieved rate (requests/s)"
set y2label "failed calls (%)"
set ytics nomirror
set y2tics
set y2range [0:*]
set yrange [0:*]
set xrange [0:*]
set key left top
set grid
if (best > 0) set arrow from best, graph 0 to best, graph 1 nohead dt 2 lc rgb "#888888"
if (best > 0) set label sprintf("highest held: %d/s", best) at best, graph 0.95 offset 1,0
plot datafile using 1:1 with lines dt 3 lc rgb "#999999" title "offered = achieved", \
     datafile using 1:2 with linespoints pt 7 lw 2 lc rgb "#1f77b4" title "achieved", \
     datafile using 1:3 axes x1y2 with linespoints pt 5 lw 2 lc rgb "#d62728" title "failed (%)"

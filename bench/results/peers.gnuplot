set terminal pngcairo size 960,520 font 'sans,11'
set output 'peers-commits.png'
set title 'Commits per second, 1 and 4 writers (same run)'
set ylabel 'commits/s'
set logscale y
set grid ytics
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 left
set key outside top center horizontal
set datafile separator ','
set datafile columnheaders
set bmargin 7
plot 'peers-commits.csv' using 3:xtic(1) title '1 writer', 'peers-commits.csv' using 4 title '4 writers'
unset logscale y
set terminal pngcairo size 960,520 font 'sans,11'
set output 'peers-follow.png'
set title 'Commit returned to consumer holding the change'
set ylabel 'microseconds'
set logscale y
set grid ytics
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 left
set key outside top center horizontal
set datafile separator ','
set datafile columnheaders
set bmargin 7
plot 'peers-follow.csv' using 4:xtic(1) title 'p50', 'peers-follow.csv' using 5 title 'p99'
unset logscale y
set terminal pngcairo size 960,520 font 'sans,11'
set output 'peers-import.png'
set title 'Bulk import against one row per durable transaction'
set ylabel 'rows/s'
set logscale y
set grid ytics
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 left
set key outside top center horizontal
set datafile separator ','
set datafile columnheaders
set bmargin 7
plot 'peers-import.csv' using 5:xtic(1) title 'bulk path', 'peers-import.csv' using 6 title 'one row per durable transaction'
unset logscale y

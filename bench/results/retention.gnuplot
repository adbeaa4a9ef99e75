set terminal pngcairo size 900,480 font 'sans,11'
set output 'retention-bytes.png'
set title 'Log bytes on disk after each checkpoint'
set xlabel 'simulated hours'
set ylabel 'MiB'
set key outside right
set grid
set datafile separator ','
plot 'retention-100M-size.csv' using 1:($2/1048576) every ::1 with lines lw 2 title '100M size', 'retention-1-hours.csv' using 1:($2/1048576) every ::1 with lines lw 2 title '1 hours', 'retention-2-days-2G.csv' using 1:($2/1048576) every ::1 with lines lw 2 title '2 days 2G', 'retention-200K-txs.csv' using 1:($2/1048576) every ::1 with lines lw 2 title '200K txs'
set terminal pngcairo size 900,480 font 'sans,11'
set output 'retention-oldest.png'
set title 'Age of the oldest retained change'
set xlabel 'simulated hours'
set ylabel 'hours'
set key outside right
set grid
set datafile separator ','
plot 'retention-100M-size.csv' using 1:($3/1) every ::1 with lines lw 2 title '100M size', 'retention-1-hours.csv' using 1:($3/1) every ::1 with lines lw 2 title '1 hours', 'retention-2-days-2G.csv' using 1:($3/1) every ::1 with lines lw 2 title '2 days 2G', 'retention-200K-txs.csv' using 1:($3/1) every ::1 with lines lw 2 title '200K txs'

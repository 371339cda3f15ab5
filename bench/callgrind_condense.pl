#!/usr/bin/perl
# Reads callgrind_annotate output and prints one short line per function:
# instructions, share, and the name with template arguments and parameter
# lists dropped (Beast and nlohmann names are otherwise kilobytes long).
# Usage: callgrind_annotate [--inclusive=yes] FILE | bench/callgrind_condense.pl [N]
use strict;
use warnings;
my $limit = shift // 40;
my $shown = 0;
while (<STDIN>) {
  if (/^\s*([\d,]+) \(\s*[\d.]+%\)\s+PROGRAM TOTALS/) { print "total $1 instructions\n"; next; }
  next unless /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)$/;
  my ($ir, $pct, $fn) = ($1, $2, $3);
  my $obj = $fn =~ s/\s*\[([^\]]*)\]\s*$// ? $1 : "";
  $obj =~ s#.*/##;
  $fn =~ s/^.*?:(?=[^:\/]*[A-Za-z_~])// if $fn =~ /^(\?\?\?|\.\/|\/)/;
  1 while $fn =~ s/<[^<>]*>//g;
  1 while $fn =~ s/\((?!anonymous)[^()]*\)//g;
  $fn =~ s/\s+(const|\[clone[^\]]*\])//g;
  printf "%14s %6s%%  %s  [%s]\n", $ir, $pct, substr($fn, 0, 110), $obj;
  last if ++$shown >= $limit;
}

#!/usr/bin/env perl
# Perl DBI with DBD::ODBC (Debian's libdbd-odbc-perl, built against unixODBC) as a user
# meets it: the catalog, every app of the demo read and compared cell by cell with the
# sandbox's REST answers (restref.py's JSON, in KODBC_REST_REF), a filter pushed to
# Kintone, a join, bound parameters and a parameter array, with the sandbox's request log
# checked for what the driver sent.
#
# Environment (set by suite.py): KODBC_URL, KODBC_DSN_CODES (column names are field codes),
# KODBC_DSN_ANSI (labels), KODBC_DSN_GUEST (GuestSpaceId=2), KODBC_REST_REF. Prints one
# line a check, exits non-zero on the first failed one, naming it.
use strict;
use warnings;
use utf8;
use DBI;
use HTTP::Tiny;
use JSON::PP;
use MIME::Base64;
use Encode qw(decode_utf8 encode_utf8);

binmode STDOUT, ':encoding(UTF-8)';
binmode STDERR, ':encoding(UTF-8)';
my $url  = $ENV{KODBC_URL} or die "KODBC_URL is not set\n";
my $http = HTTP::Tiny->new(timeout => 30);
my $ref  = do {
    open my $fh, '<:raw', $ENV{KODBC_REST_REF} or die "KODBC_REST_REF: $!\n";
    local $/;
    JSON::PP->new->utf8->decode(<$fh>);
};
my $T = $ref->{tables};
my $checks = 0;
my $dbh_unicode;

sub check {
    my ($ok, $what) = @_;
    $checks++;
    die "FAIL: $what\n" unless $ok;
    print "ok $checks - $what\n";
}

sub last_seq {
    my $r = $http->get("$url/sandbox/requests");
    die "request log: $r->{status}\n" unless $r->{success};
    return JSON::PP->new->utf8->decode($r->{content})->{last_seq};
}

sub requests_since {
    my $r = $http->get("$url/sandbox/requests?since=$_[0]");
    die "request log: $r->{status}\n" unless $r->{success};
    return @{ JSON::PP->new->utf8->decode($r->{content})->{requests} };
}

sub record_reads { grep { $_->{effective_method} eq 'GET' && $_->{api} =~ m{^records(/cursor)?$} } requests_since($_[0]) }
sub writes_since { grep { $_->{effective_method} ne 'GET' } requests_since($_[0]) }

# Debian builds DBD::ODBC without its Unicode option: it makes the ANSI calls, and text
# travels as UTF-8 bytes both ways (the driver's ANSI side is UTF-8). dec() turns what
# it returns into Perl characters, u8() what it is given into UTF-8 bytes.
sub dec { my ($v) = @_; return (!defined $v || utf8::is_utf8($v)) ? $v : decode_utf8($v) }
sub u8 { my ($v) = @_; return $dbh_unicode ? $v : encode_utf8($v) }

# A value as DBD::ODBC returns it, in restref.py's canonical text form for its kind.
sub canonical {
    my ($kind, $v) = @_;
    return undef unless defined $v;
    $v = dec($v);
    if ($kind eq 'decimal') {
        $v =~ s/(\.\d*?)0+$/$1/;
        $v =~ s/\.$//;
        $v = '0' if $v eq '-0';
    } elsif ($kind eq 'timestamp') {
        $v =~ s/\.0*$//;    # a zero fraction, if the driver sends one
    }
    return $v;
}

sub show { defined $_[0] ? "'$_[0]'" : 'NULL' }

# Every cell of a result against the reference rows of a table (same order, same columns).
sub same_cells {
    my ($table, $names, $rows, $want_rows) = @_;
    my $t = $T->{$table};
    my @cols = @{ $t->{columns} };
    return "columns (@$names) differ from REST's (@cols)" unless "@$names" eq "@cols";
    return sprintf('%d rows, REST has %d', scalar @$rows, scalar @$want_rows)
        unless @$rows == @$want_rows;
    for my $i (0 .. $#$rows) {
        for my $c (0 .. $#cols) {
            my $got  = canonical($t->{kinds}{ $cols[$c] }, $rows->[$i][$c]);
            my $want = $want_rows->[$i][$c];
            next if (!defined $got && !defined $want) || (defined $got && defined $want && $got eq $want);
            return "row $i ($cols[0] $want_rows->[$i][0]) column $cols[$c]: got " . show($got) . ', REST ' . show($want);
        }
    }
    return '';
}

my %attrs = (RaiseError => 1, PrintError => 0, AutoCommit => 1);
my $dbh = DBI->connect("dbi:ODBC:DSN=$ENV{KODBC_DSN_CODES}", undef, undef, \%attrs)
    or die "connect: $DBI::errstr\n";
$dbh_unicode = $dbh->{odbc_has_unicode};
print '# DBD::ODBC ', ($dbh_unicode ? 'Unicode (W calls)' : 'ANSI (UTF-8 bytes)'), " build\n";
my $start = last_seq();

# The catalog: table_info and column_info (SQLTables, SQLColumns).
my @tables = map { dec($_->[2]) } @{ $dbh->table_info(undef, undef, '%', 'TABLE')->fetchall_arrayref };
my @want_tables = sort grep { $_ ne 'Guest Tasks' } keys %$T;
check("@{[sort @tables]}" eq "@want_tables", "table_info lists the apps and subtables (@{[sort @tables]})");
check(!grep({ $_ eq 'Guest Tasks' } @tables), 'the guest-space app is not in the default DSN');
for my $table (@want_tables) {
    my @cols = map { dec($_->{COLUMN_NAME}) }
        @{ $dbh->column_info(undef, undef, u8($table), '%')->fetchall_arrayref({}) };
    check("@cols" eq "@{ $T->{$table}{columns} }", "column_info($table) names REST's fields in order");
}

# Every app read whole, compared cell by cell. LongReadLen is set as the README advises:
# the long text columns (notes, rich text, FILE) come back whole.
sub read_table {
    my ($h, $table) = @_;
    my $order = join ', ', map { qq{"$_"} } @{ $T->{$table}{key} };
    my $sth = $h->prepare(u8(qq{SELECT * FROM "$table" ORDER BY $order}));
    $sth->execute;
    my $rows = $sth->fetchall_arrayref;
    return ([map { dec($_) } @{ $sth->{NAME} }], $rows);
}

{
    # Without LongReadLen DBI keeps 80 bytes of a long column and refuses the rest: the
    # README's guidance is needed (Orders 1's FILE column is 200 bytes of JSON).
    my $short = eval { $dbh->selectall_arrayref(q{SELECT "attachments" FROM "Orders" WHERE "$id" = 1}); 1 };
    my $err = $@;
    check(!$short && $err =~ /truncat/i, 'default LongReadLen (80) refuses a 200-byte FILE value');
}
$dbh->{LongReadLen} = 1_000_000;
$dbh->{LongTruncOk} = 0;
for my $table (@want_tables) {
    my $seq = last_seq();
    my ($names, $rows) = read_table($dbh, $table);
    my $diff = same_cells($table, $names, $rows, $T->{$table}{rows});
    check($diff eq '', "$table: every cell equals REST's" . ($diff ? " ($diff)" : ' (' . scalar(@$rows) . ' rows)'));
    my %apps = map { ($_->{params}{app} // '') => 1 } record_reads($seq);
    check(join(',', keys %apps) eq $T->{$table}{app}, "$table: read from app $T->{$table}{app} only");
}
my ($notes) = $dbh->selectrow_array(q{SELECT "notes" FROM "Customers" WHERE "$id" = 1});
check(dec($notes) eq "Key account.\nContact keyword 1", 'a multi-line text with LongReadLen set reads exactly');

# A filter is pushed: one records request carrying the condition.
{
    my $seq = last_seq();
    my $rows = $dbh->selectall_arrayref(q{SELECT * FROM "Events" WHERE "seq" = 12345});
    my @reads = record_reads($seq);
    check(@reads == 1 && $reads[0]{params}{query} =~ /^seq = "12345"/,
        'WHERE seq = 12345 is one records request with the condition (' . join(' | ', map { $_->{params}{query} } @reads) . ')');
    my $diff = same_cells('Events', [@{ $T->{Events}{columns} }], $rows, [$T->{Events}{rows}[12344]]);
    check($diff eq '', "WHERE seq = 12345 gives REST's record 12345 $diff");

    $seq = last_seq();
    $rows = $dbh->selectall_arrayref(q{SELECT "$id", "name" FROM "Customers" WHERE "country" = 'Japan' ORDER BY "$id"});
    @reads = record_reads($seq);
    check(@reads == 1 && $reads[0]{params}{query} =~ /^country in \("Japan"\)/,
        q{WHERE country = 'Japan' is pushed as country in ("Japan")});
    my $c = $T->{Customers};
    my ($ci, $ni) = map { my $n = $_; (grep { $c->{columns}[$_] eq $n } 0 .. $#{ $c->{columns} })[0] } qw(country name);
    my @want = map { "$_->[0]:$_->[$ni]" } grep { ($_->[$ci] // '') eq 'Japan' } @{ $c->{rows} };
    check("@{[map { qq{$_->[0]:} . dec($_->[1]) } @$rows]}" eq "@want", 'the Japanese customers are REST\'s (' . scalar(@want) . ')');
}

# A join, computed again from the REST answers.
{
    my $rows = $dbh->selectall_arrayref(q{SELECT o."$id", c."name" FROM "Orders" o JOIN "Customers" c ON o."customer" = c."customer_code" ORDER BY o."$id"});
    my ($o, $c) = ($T->{Orders}, $T->{Customers});
    my ($oc) = grep { $o->{columns}[$_] eq 'customer' } 0 .. $#{ $o->{columns} };
    my ($cc, $cn) = map { my $n = $_; (grep { $c->{columns}[$_] eq $n } 0 .. $#{ $c->{columns} })[0] } qw(customer_code name);
    my %name = map { $_->[$cc] => $_->[$cn] } @{ $c->{rows} };
    my @want = map { "$_->[0]=$name{ $_->[$oc] }" } grep { defined $_->[$oc] && exists $name{ $_->[$oc] } } @{ $o->{rows} };
    check("@{[map { qq{$_->[0]=} . dec($_->[1]) } @$rows]}" eq "@want", 'Orders JOIN Customers equals the join of the REST answers (' . scalar(@want) . ' rows)');
}

# Bound parameters: an integer (one lookup by $id) and a Japanese text.
{
    my $sth = $dbh->prepare(q{SELECT * FROM "Customers" WHERE "$id" = ?});
    my $seq = last_seq();
    $sth->execute(3);
    my $rows = $sth->fetchall_arrayref;
    my @reads = record_reads($seq);
    check(@reads == 1 && $reads[0]{params}{query} =~ /^\$id = "3"/, 'WHERE "$id" = ? with 3 is one lookup by $id');
    my $diff = same_cells('Customers', [map { dec($_) } @{ $sth->{NAME} }], $rows, [$T->{Customers}{rows}[2]]);
    check($diff eq '', "the bound \$id reads REST's record 3 $diff");
    my ($name) = map { dec($_) } $dbh->selectrow_array(q{SELECT "name" FROM "Customers" WHERE "customer_code" = ?}, undef, 'C013');
    check($name eq '株式会社サンプル', "a bound text finds C013, 株式会社サンプル ($name)");
    ($name) = $dbh->selectrow_array(q{SELECT "customer_code" FROM "Customers" WHERE "name" = ?}, undef, u8('株式会社サンプル'));
    check($name eq 'C013', 'a bound Japanese text finds C013');
}

check(!writes_since($start), 'no write request during the reads');

# Labels as column names (the default DSN), a Japanese table name, quoted labels.
{
    my $h = DBI->connect("dbi:ODBC:DSN=$ENV{KODBC_DSN_ANSI}", undef, undef, \%attrs) or die "$DBI::errstr\n";
    my $sth = $h->prepare(q{SELECT "$id", "Company name", "Credit limit" FROM Customers WHERE "$id" = 2});
    $sth->execute;
    my $row = $sth->fetchrow_arrayref;
    $sth->finish;
    check("@{ $sth->{NAME} }" eq '$id Company name Credit limit', 'labels are the column names of the default DSN');
    check(dec($row->[1]) eq 'Globex' && canonical('decimal', $row->[2]) eq '50000', "labelled columns read Globex, 50000");
    my ($n) = $h->selectrow_array(u8(q{SELECT COUNT(*) FROM "日本語アプリ" WHERE "金額" > 10000}));
    my $jp = $T->{'日本語アプリ'};
    my ($ai) = grep { $jp->{columns}[$_] eq '金額' } 0 .. $#{ $jp->{columns} };
    my $want = grep { defined $_->[$ai] && $_->[$ai] > 10000 } @{ $jp->{rows} };
    check($n == $want, "COUNT(*) of 日本語アプリ WHERE 金額 > 10000 is REST's $want");
    $h->disconnect;
}

# The guest-space app through a DSN with GuestSpaceId.
{
    my $g = DBI->connect("dbi:ODBC:DSN=$ENV{KODBC_DSN_GUEST}", undef, undef, \%attrs) or die "$DBI::errstr\n";
    $g->{LongReadLen} = 1_000_000;
    my @t = map { dec($_->[2]) } @{ $g->table_info(undef, undef, '%', 'TABLE')->fetchall_arrayref };
    check("@t" eq 'Guest Tasks', "the guest DSN lists only Guest Tasks (@t)");
    my ($names, $rows) = read_table($g, 'Guest Tasks');
    my $diff = same_cells('Guest Tasks', $names, $rows, $T->{'Guest Tasks'}{rows});
    check($diff eq '', "Guest Tasks: every cell equals REST's $diff");
    $g->disconnect;
}

# A parameter array (bind_param_array + execute_array; odbc_array_operations makes
# DBD::ODBC send it as one SQLExecute with SQL_ATTR_PARAMSET_SIZE = 3).
{
    my $h = DBI->connect("dbi:ODBC:DSN=$ENV{KODBC_DSN_CODES}", undef, undef,
        {%attrs, odbc_array_operations => 1}) or die "$DBI::errstr\n";
    my $sth = $h->prepare(q{UPDATE "Customers" SET "notes" = ? WHERE "$id" = ?});
    $sth->bind_param_array(1, [map { u8($_) } 'note for 4', 'メモ 5', "line 1\nline 2"]);
    $sth->bind_param_array(2, [4, 5, 6]);
    my @status;
    my $seq = last_seq();
    my $n = $sth->execute_array({ArrayTupleStatus => \@status});
    # DBD::ODBC's native array execution reports -1 (done, count unknown) per tuple: ODBC
    # has no per-row count; an error would be an array reference.
    check($n == 3 && !grep({ ref $_ || ($_ != 1 && $_ != -1) } @status),
        "execute_array executes 3 tuples without error ($n; @status)");
    my @w = writes_since($seq);
    my @ids = sort map { $_->{params}{id} // (map { $_->{id} } @{ $_->{params}{records} || [] }) } @w;
    check("@ids" eq '4 5 6', 'the writes name records 4, 5, 6 (' . join(', ', map { "$_->{effective_method} $_->{api}" } @w) . ')');
    my $q = $http->www_form_urlencode({app => 1, query => '$id in (4, 5, 6) order by $id asc'});
    my $r = $http->get("$url/k/v1/records.json?$q", {headers => {'X-Cybozu-Authorization' => encode_base64('demo:demo', '')}});
    my @notes = map { $_->{notes}{value} } @{ JSON::PP->new->utf8->decode($r->{content})->{records} };
    check(join('|', @notes) eq "note for 4|メモ 5|line 1\nline 2", 'REST reads the three notes back exactly');
    $h->disconnect;
}

$dbh->disconnect;
print "1..$checks\n";

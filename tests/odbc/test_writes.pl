#!/usr/bin/env perl
# Writes from Perl DBI (DBD::ODBC, built against unixODBC): a row set inserted with
# execute_array as ODBC parameter arrays, an UPDATE and a DELETE with their row counts.
# Each step is checked against the sandbox's request log and read back over REST.
#
# Environment (set by suite.py): KODBC_DRIVER, KODBC_URL. Exits non-zero on the first
# failed check, naming it.
use strict;
use warnings;
use DBI;
use HTTP::Tiny;
use JSON::PP;
use MIME::Base64;

my $driver = $ENV{KODBC_DRIVER} or die "KODBC_DRIVER is not set\n";
my $url    = $ENV{KODBC_URL}    or die "KODBC_URL is not set\n";
my $http   = HTTP::Tiny->new(timeout => 30);
my $json   = JSON::PP->new;
my $checks = 0;

sub check {
    my ($ok, $what) = @_;
    $checks++;
    die "FAIL: $what\n" unless $ok;
    print "ok $checks - $what\n";
}

sub get_json {
    my ($path, $auth) = @_;
    my %h = $auth ? (headers => {'X-Cybozu-Authorization' => encode_base64('demo:demo', '')}) : ();
    my $r = $http->get("$url$path", \%h);
    die "GET $path: $r->{status} $r->{content}\n" unless $r->{success};
    return $json->decode($r->{content});
}

sub last_seq { get_json('/sandbox/requests')->{last_seq} }

sub requests_since {
    my ($seq) = @_;
    return @{ get_json("/sandbox/requests?since=$seq")->{requests} };
}

sub customers {
    my ($query) = @_;
    my $q = $http->www_form_urlencode({app => 1, query => "$query limit 500"});
    return @{ get_json("/k/v1/records.json?$q", 1)->{records} };
}

my $dbh = DBI->connect("dbi:ODBC:Driver=$driver;Url=$url;UID=demo;PWD=demo;UseCodeForFieldName=true",
    undef, undef, {RaiseError => 1, PrintError => 0, AutoCommit => 1, odbc_array_operations => 1, odbc_batch_size => 2000})
    or die "connect: $DBI::errstr\n";

# A row set as parameter arrays: 120 rows, one atomic bulkRequest of 100 + 20 records.
# (DBD::ODBC sends odbc_batch_size rows per execute, 10 by default; 2,000 makes one
# execute one atomic unit.)
my @codes = map { sprintf('PL%05d', $_) } 1 .. 120;
my @names = map { "Perl $_" } 1 .. 120;
my @limits = map { "$_.5" } 1 .. 120;
my $before = scalar customers('');
my $seq = last_seq();
my $sth = $dbh->prepare('INSERT INTO Customers (customer_code, name, credit_limit) VALUES (?, ?, ?)');
my @status;
my $tuples = $sth->execute_array({ArrayTupleStatus => \@status}, \@codes, \@names, \@limits);
check($tuples == 120, "execute_array reports 120 tuples ($tuples)");
my @log = requests_since($seq);
my @writes = grep { $_->{effective_method} ne 'GET' } @log;
check(@writes == 1 && $writes[0]{api} eq 'bulkRequest', 'one bulkRequest for the array (' . join(' ', map { "$_->{effective_method} $_->{api}" } @writes[0 .. ($#writes < 3 ? $#writes : 3)]) . ', ' . scalar(@writes) . ' writes)');
my @sizes = map { scalar @{ $_->{payload}{records} } } @{ $writes[0]{params}{requests} };
check("@sizes" eq '100 20', "record requests of 100 and 20 (@sizes)");
my %landed = map { $_->{customer_code}{value} => $_ } grep { $_->{customer_code}{value} =~ /^PL/ } customers('');
check(scalar(keys %landed) == 120, 'all 120 rows landed');
check(scalar(customers('')) == $before + 120, 'nothing else was added');
check($landed{PL00042}{name}{value} eq 'Perl 42' && $landed{PL00042}{credit_limit}{value} eq '42.5',
    'values are exact (PL00042)');

# UPDATE by a filter with a bound parameter: the row count is the matching rows.
my $n = $dbh->do(q{UPDATE Customers SET notes = ? WHERE customer_code >= 'PL00100' AND customer_code < 'PL00200'},
    undef, 'from perl');
check($n == 21, "UPDATE reports 21 rows ($n)");
my @noted = grep { ($_->{notes}{value} // '') eq 'from perl' } customers('');
check(@noted == 21, '21 rows carry the note');

# DELETE by a filter.
$n = $dbh->do(q{DELETE FROM Customers WHERE notes = 'from perl'});
check($n == 21, "DELETE reports 21 rows ($n)");
check(scalar(customers('')) == $before + 99, 'exactly those rows are gone');

# A read through the same handle agrees with REST.
my ($count) = $dbh->selectrow_array(q{SELECT COUNT(*) FROM Customers WHERE customer_code LIKE 'PL%'});
check($count == 99, "SELECT COUNT(*) sees 99 ($count)");

$dbh->disconnect;
print "1..$checks\n";

-- A filtered ordered query, a join, an aggregate and Japanese text (ASCII column aliases:
-- iODBC 3.52.9 loses non-ASCII column names converting them for ANSI clients)
SELECT "$id", "Customer code", "Company name", "Country" FROM Customers WHERE "Rank" = 'A' ORDER BY "$id"
SELECT o."$id", o."Customer", c."Company name" FROM Orders o JOIN Customers c ON o."Customer" = c."Customer code" WHERE o."$id" <= 5 ORDER BY o."$id"
SELECT "Kind", COUNT(*) AS n, MIN("Sequence") AS first_seq FROM Events GROUP BY "Kind" ORDER BY "Kind"
SELECT "$id", 氏名 AS name, 金額 AS amount FROM 日本語アプリ WHERE "$id" <= 3 ORDER BY "$id"

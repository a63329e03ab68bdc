"""Planning what-ifs: scenarios (add / move / close facilities, staff), site suggestion
(MCLP, LSCP, p-median) and staffing suggestions for R8."""
